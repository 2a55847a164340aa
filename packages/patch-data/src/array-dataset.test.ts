import { describe, it, expect } from 'vitest';
import { arrayDataset } from './array-dataset.js';
import { readImages, readLabels } from './dataset.js';
import { resizedDataset } from './resized-dataset.js';

describe('arrayDataset', () => {
  it('reads images and labels by index without copying the store', () => {
    const images = Uint8Array.from({ length: 3 * 2 * 2 * 3 }, (_, i) => i);
    const ds = arrayDataset({ name: 'toy', images, height: 2, width: 2, channels: 3, labels: [2, 0, 1], classNames: ['a', 'b', 'c'] });
    expect([ds.size, ds.numClasses, ds.classNames]).toEqual([3, 3, ['a', 'b', 'c']]);
    expect([...readImages(ds, [2, 0])]).toEqual([...images.subarray(24, 36), ...images.subarray(0, 12)]);
    expect([...readLabels(ds, [2, 0])]).toEqual([1, 2]);
    images[0] = 99;
    expect(readImages(ds, [0])[0]).toBe(99);
    const unlabelled = arrayDataset({ images, height: 2, width: 2, channels: 3 });
    expect(unlabelled.numClasses).toBeNull();
    expect(unlabelled.label(1)).toBeNull();
    expect([...readLabels(unlabelled, [0])]).toEqual([-1]);
  });

  it('rejects inconsistent input', () => {
    const images = new Uint8Array(12);
    expect(() => arrayDataset({ images: new Uint8Array(13), height: 2, width: 2, channels: 3 })).toThrow(/13 bytes, which is not a whole number of 2×2×3 images \(12 bytes each\)/);
    expect(() => arrayDataset({ images, height: 2, width: 2, channels: 3, labels: [0, 1] })).toThrow(/one label per image \(1\), got 2 labels/);
    expect(() => arrayDataset({ images, height: 2, width: 2, channels: 3, labels: [-1] })).toThrow(/label 0 is -1/);
    expect(() => arrayDataset({ images, height: 2, width: 2, channels: 3, labels: [5], numClasses: 3 })).toThrow(/a label is 5 but numClasses is 3/);
    expect(() => arrayDataset({ images, height: 0, width: 2, channels: 3 })).toThrow(/height must be a positive integer/);
    const ds = arrayDataset({ images, height: 2, width: 2, channels: 3 });
    expect(() => ds.readInto(1, new Uint8Array(12), 0)).toThrow(/index must be an integer in \[0, 1\), got 1/);
  });

  it('resizedDataset resizes on read and keeps labels', () => {
    const images = Uint8Array.from({ length: 2 * 4 * 4 }, (_, i) => (i < 16 ? 40 : 200));
    const ds = resizedDataset(arrayDataset({ images, height: 4, width: 4, channels: 1, labels: [0, 1] }), 2);
    expect([ds.height, ds.width, ds.size, ds.label(1)]).toEqual([2, 2, 2, 1]);
    expect([...readImages(ds, [0, 1])]).toEqual([40, 40, 40, 40, 200, 200, 200, 200]);
  });
});
