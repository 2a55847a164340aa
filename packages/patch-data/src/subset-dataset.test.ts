import { describe, expect, it } from 'vitest';
import { arrayDataset } from './array-dataset.js';
import { readImages, readLabels } from './dataset.js';
import { subsetDataset } from './subset-dataset.js';

describe('subsetDataset', () => {
  const images = Uint8Array.from({ length: 10 }, (_, i) => i * 10); // ten 1×1 gray images, pixel = 10 · index
  const data = arrayDataset({ name: 'toy', images, height: 1, width: 1, channels: 1, labels: [0, 1, 2, 3, 4, 0, 1, 2, 3, 4] });

  it('picks `count` distinct images by seed, in index order, with their labels', () => {
    const sub = subsetDataset(data, 4, 7);
    expect([sub.size, sub.name, sub.numClasses]).toEqual([4, 'toy (4 of 10)', 5]);
    const picked = Array.from(readImages(sub, [0, 1, 2, 3]), (v) => v / 10);
    expect(new Set(picked).size).toBe(4);
    expect(picked).toEqual([...picked].sort((a, b) => a - b));
    expect(Array.from(readLabels(sub, [0, 1, 2, 3]))).toEqual(picked.map((i) => i % 5));
    expect(Array.from(readImages(subsetDataset(data, 4, 7), [0, 1, 2, 3]))).toEqual(picked.map((i) => i * 10)); // same seed, same subset
    const others = [1, 2, 3, 4, 5].map((seed) => Array.from(readImages(subsetDataset(data, 4, seed), [0, 1, 2, 3])).join());
    expect(new Set(others).size).toBeGreaterThan(1);
  });

  it('returns the dataset itself for no count or a count beyond its size, and rejects a bad count', () => {
    expect(subsetDataset(data, undefined, 0)).toBe(data);
    expect(subsetDataset(data, 10, 0)).toBe(data);
    expect(() => subsetDataset(data, 0, 0)).toThrow(/count must be a positive integer, got 0/);
    expect(() => subsetDataset(data, 2.5, 0)).toThrow(/positive integer/);
  });
});
