import { describe, it, expect } from 'vitest';
import { arrayDataset } from './array-dataset.js';
import { BatchStream, type Batch } from './batch-stream.js';

// 23 images of 2×2×1 whose pixels all equal their index; labels = index mod 3.
const N = 23;
const ds = arrayDataset({
  images: Uint8Array.from({ length: N * 4 }, (_, i) => Math.floor(i / 4)),
  height: 2,
  width: 2,
  channels: 1,
  labels: Array.from({ length: N }, (_, i) => i % 3),
});

const summary = (b: Batch) => ({ indices: [...b.indices], pixels: [...b.pixels], labels: [...b.labels], epoch: b.epoch, cursor: b.cursor });

describe('BatchStream', () => {
  it('visits every image once per epoch, in a different seeded order each epoch', () => {
    const s = new BatchStream(ds, { batchSize: 5, seed: 7 });
    expect(s.batchesPerEpoch).toBe(5);
    const epochs: number[][] = [[], []];
    for (let k = 0; k < 10; k++) {
      const b = s.next();
      expect(b.epoch).toBe(k < 5 ? 0 : 1);
      expect(b.indices.length).toBe(k % 5 === 4 ? 3 : 5);
      b.indices.forEach((idx, j) => {
        expect(b.pixels[j * 4]).toBe(idx);
        expect(b.labels[j]).toBe(idx % 3);
      });
      epochs[b.epoch]!.push(...b.indices);
    }
    for (const e of epochs) expect([...e].sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(epochs[0]).not.toEqual(epochs[1]);
    expect(epochs[0]).not.toEqual(Array.from({ length: N }, (_, i) => i));
    expect(s.cursor).toEqual({ epoch: 2, position: 0 });
  });

  it('a stream resumed from a saved cursor yields exactly the batches of the uninterrupted stream', () => {
    for (const dropLast of [false, true]) {
      const opts = { batchSize: 4, seed: 'run-1', dropLast, augment: { horizontalFlip: true, randomCrop: { padding: 1 } } } as const;
      const full = new BatchStream(ds, opts);
      const reference = Array.from({ length: 17 }, () => summary(full.next()));
      for (const stopAfter of [1, 5, 6, 11]) {
        const first = new BatchStream(ds, opts);
        let last: Batch | undefined;
        for (let k = 0; k < stopAfter; k++) last = first.next();
        const saved = JSON.parse(JSON.stringify(last!.cursor));
        const resumed = new BatchStream(ds, { ...opts, cursor: saved });
        for (let k = stopAfter; k < 17; k++) expect(summary(resumed.next())).toEqual(reference[k]);
      }
    }
  });

  it('dropLast skips the short batch; shuffle off keeps dataset order', () => {
    const s = new BatchStream(ds, { batchSize: 5, seed: 1, dropLast: true, shuffle: false });
    expect(s.batchesPerEpoch).toBe(4);
    const seen = Array.from({ length: 5 }, () => s.next());
    expect(seen.map((b) => b.indices.length)).toEqual([5, 5, 5, 5, 5]);
    expect([...seen[0]!.indices]).toEqual([0, 1, 2, 3, 4]);
    expect([...seen[3]!.indices]).toEqual([15, 16, 17, 18, 19]);
    expect(seen[4]!.epoch).toBe(1);
    expect([...seen[4]!.indices]).toEqual([0, 1, 2, 3, 4]);
  });

  it('different seeds shuffle differently', () => {
    const a = new BatchStream(ds, { batchSize: 23, seed: 1 }).next();
    const b = new BatchStream(ds, { batchSize: 23, seed: 2 }).next();
    expect([...a.indices]).not.toEqual([...b.indices]);
  });

  it('rejects bad options and cursors', () => {
    expect(() => new BatchStream(ds, { batchSize: 0, seed: 1 })).toThrow(/batchSize must be a positive integer/);
    expect(() => new BatchStream(ds, { batchSize: 30, seed: 1, dropLast: true })).toThrow(/has 23 images, fewer than one batch of 30/);
    expect(() => new BatchStream(ds, { batchSize: 4, seed: 1, cursor: { epoch: 0, position: 24 } })).toThrow(/cursor must be/);
    expect(() => new BatchStream(ds, { batchSize: 4, seed: 1, cursor: { epoch: -1, position: 0 } })).toThrow(/cursor must be/);
    expect(() => new BatchStream(ds, { batchSize: 4, seed: 1.5 })).toThrow(/seed must be/);
  });
});
