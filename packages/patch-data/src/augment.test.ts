import { describe, it, expect } from 'vitest';
import { Rng } from '@darl/tensor-backend';
import { augment, augmentationEnabled } from './augment.js';

const H = 6;
const W = 5;
const C = 2;
const B = 4;
const shape = [B, H, W, C] as const;
const pixels = Uint8Array.from({ length: B * H * W * C }, (_, i) => (i * 31 + 7) % 251);
const at = (buf: Uint8Array, b: number, y: number, x: number, c: number): number => buf[((b * H + y) * W + x) * C + c]!;

describe('augment', () => {
  it('is off by default: no options return an equal copy and draw nothing', () => {
    const rng = new Rng(1);
    const before = JSON.stringify(rng.state());
    const out = augment(pixels, shape, {}, rng);
    expect(out).not.toBe(pixels);
    expect([...out]).toEqual([...pixels]);
    expect(JSON.stringify(rng.state())).toBe(before);
    expect(augmentationEnabled({})).toBe(false);
    expect(augmentationEnabled({ horizontalFlip: false })).toBe(false);
    expect(augmentationEnabled({ randomCrop: { padding: 2 } })).toBe(true);
  });

  it('is reproducible from the Rng and does not modify its input', () => {
    const copy = Uint8Array.from(pixels);
    const opts = { randomResizedCrop: {}, randomCrop: { padding: 2 }, horizontalFlip: true } as const;
    const a = augment(pixels, shape, opts, new Rng(5));
    const b = augment(pixels, shape, opts, new Rng(5));
    const c = augment(pixels, shape, opts, new Rng(6));
    expect([...a]).toEqual([...b]);
    expect([...a]).not.toEqual([...c]);
    expect([...pixels]).toEqual([...copy]);
  });

  it('horizontal flip with probability 1 mirrors every image; twice is the identity', () => {
    const once = augment(pixels, shape, { horizontalFlip: 1 }, new Rng(0));
    for (let b = 0; b < B; b++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) {
      expect(at(once, b, y, x, c)).toBe(at(pixels, b, y, W - 1 - x, c));
    }
    expect([...augment(once, shape, { horizontalFlip: 1 }, new Rng(9))]).toEqual([...pixels]);
    expect([...augment(pixels, shape, { horizontalFlip: 0 }, new Rng(0))]).toEqual([...pixels]);
  });

  it('random crop with padding shifts each image by at most the padding and fills the border', () => {
    const pad = 2;
    const out = augment(pixels, shape, { randomCrop: { padding: pad, fill: 255 } }, new Rng(3));
    let shifted = 0;
    for (let b = 0; b < B; b++) {
      // Find the shift (dy, dx) that explains the output: out(y, x) = in(y + dy, x + dx) inside, fill outside.
      let found = false;
      for (let dy = -pad; dy <= pad && !found; dy++) for (let dx = -pad; dx <= pad && !found; dx++) {
        let ok = true;
        for (let y = 0; y < H && ok; y++) for (let x = 0; x < W && ok; x++) for (let c = 0; c < C && ok; c++) {
          const sy = y + dy;
          const sx = x + dx;
          const want = sy >= 0 && sy < H && sx >= 0 && sx < W ? at(pixels, b, sy, sx, c) : 255;
          ok = at(out, b, y, x, c) === want;
        }
        if (ok) {
          found = true;
          if (dy !== 0 || dx !== 0) shifted++;
        }
      }
      expect(found).toBe(true);
    }
    expect(shifted).toBeGreaterThan(0);
    expect([...augment(pixels, shape, { randomCrop: { padding: 0 } }, new Rng(3))]).toEqual([...pixels]);
  });

  it('random resized crop with scale [1, 1] and ratio matching the image is the identity', () => {
    const sq = [2, 4, 4, 1] as const;
    const img = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
    const out = augment(img, sq, { randomResizedCrop: { scale: [1, 1], ratio: [1, 1] } }, new Rng(2));
    expect([...out]).toEqual([...img]);
    const zoom = augment(img, sq, { randomResizedCrop: { scale: [0.25, 0.25], ratio: [1, 1] } }, new Rng(2));
    expect([...zoom]).not.toEqual([...img]);
  });

  it('rejects bad options', () => {
    expect(() => augment(pixels, shape, { randomCrop: { padding: -1 } }, new Rng(0))).toThrow(/padding must be an integer ≥ 0/);
    expect(() => augment(pixels, shape, { horizontalFlip: 2 }, new Rng(0))).toThrow(/probability must be in \[0, 1\]/);
    expect(() => augment(pixels, shape, { randomResizedCrop: { scale: [0.5, 0.1] } }, new Rng(0))).toThrow(/scale must satisfy/);
    expect(() => augment(pixels.subarray(1), shape, {}, new Rng(0))).toThrow(/needs 240/);
  });
});
