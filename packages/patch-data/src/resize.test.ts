import { describe, it, expect } from 'vitest';
import { centeredRegion, resizeAndCenterCrop, resizeRegion } from './resize.js';
import { golden } from '../test/golden.js';

describe('resize', () => {
  it('matches torch.nn.functional.interpolate (bilinear enlarging, area shrinking by whole factors)', () => {
    for (const c of golden.resize) {
      const [h, w, ch] = c.shape;
      const out = resizeRegion(Uint8Array.from(c.image), h, w, ch, { y: 0, x: 0, height: h, width: w }, c.out[0], c.out[1]);
      expect(out.length).toBe(c.expected.length);
      c.expected.forEach((v, i) => {
        if (Math.abs(out[i]! - v) > 0.5 + 1e-4) throw new Error(`${c.mode} ${h}x${w}→${c.out.join('x')}: element ${i} is ${out[i]}, torch gives ${v}`);
      });
    }
  });

  it('keeps constant images constant and the same size unchanged, for any ratio', () => {
    const img = new Uint8Array(7 * 5 * 3).fill(77);
    for (const [oh, ow] of [[3, 2], [7, 5], [11, 13], [4, 9]] as const) {
      expect(resizeRegion(img, 7, 5, 3, { y: 0, x: 0, height: 7, width: 5 }, oh, ow).every((v) => v === 77)).toBe(true);
    }
    const rnd = Uint8Array.from({ length: 6 * 4 * 2 }, (_, i) => (i * 37) % 256);
    expect([...resizeRegion(rnd, 6, 4, 2, { y: 0, x: 0, height: 6, width: 4 }, 6, 4)]).toEqual([...rnd]);
  });

  it('shrinking by a fractional factor averages areas (total intensity is preserved up to rounding)', () => {
    const img = Uint8Array.from({ length: 10 * 10 }, (_, i) => (i * 53) % 256);
    const out = resizeRegion(img, 10, 10, 1, { y: 0, x: 0, height: 10, width: 10 }, 4, 4);
    const meanIn = img.reduce((a, b) => a + b, 0) / img.length;
    const meanOut = out.reduce((a, b) => a + b, 0) / out.length;
    expect(Math.abs(meanIn - meanOut)).toBeLessThan(0.5);
  });

  it('centre crop takes the middle of the longer side', () => {
    expect(centeredRegion(10, 20, 1)).toEqual({ y: 0, x: 5, height: 10, width: 10 });
    expect(centeredRegion(21, 10, 1)).toEqual({ y: 5, x: 0, height: 10, width: 10 });
    // A 2×4 image, left half 0 and right half 200, cropped to 2×2 keeps columns 1..2.
    const img = Uint8Array.from([0, 0, 200, 200, 0, 0, 200, 200]);
    expect([...resizeAndCenterCrop(img, 2, 4, 1, 2, 2)]).toEqual([0, 200, 0, 200]);
  });

  it('rejects regions outside the image', () => {
    expect(() => resizeRegion(new Uint8Array(4), 2, 2, 1, { y: 1, x: 0, height: 2, width: 2 }, 1, 1)).toThrow(/not a valid non-empty integer region of a 2×2 image/);
  });
});
