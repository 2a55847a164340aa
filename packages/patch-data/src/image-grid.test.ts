import { describe, expect, it } from 'vitest';
import { ShapeError } from '@darl/tensor-backend';
import { imageGridPixels } from './image-grid.js';

describe('imageGridPixels', () => {
  it('lays images out in rows with white gaps, maps the range to bytes and clips', () => {
    // Three 1×2 gray images in [−1, 1]; 2 columns, no upscaling, gap 1 → (2·3 + 1) × (2·2 + 1) = 7 × 5 pixels.
    const grid = imageGridPixels(Float32Array.of(-1, 1, 0, 2, -3, 0.5), [3, 1, 2, 1], { columns: 2, scale: 1 });
    expect([grid.width, grid.height, grid.data.length]).toEqual([7, 5, 7 * 5 * 4]);
    const gray = (x: number, y: number) => grid.data[(y * 7 + x) * 4]!;
    expect([gray(1, 1), gray(2, 1), gray(4, 1), gray(5, 1)]).toEqual([0, 255, 128, 255]); // 0 → 127.5 → 128; 2 clips to 255
    expect([gray(1, 3), gray(2, 3)]).toEqual([0, 191]); // −3 clips to 0; 0.5 → 191.25
    expect([gray(0, 0), gray(3, 1), gray(4, 3)]).toEqual([255, 255, 255]); // gaps and the empty fourth cell are white
    expect(grid.data.filter((_, i) => i % 4 === 3).every((a) => a === 255)).toBe(true); // opaque
  });

  it('upscales, reads RGB channels in order and honours a custom range', () => {
    const grid = imageGridPixels(Float32Array.of(0, 0.5, 1), [1, 1, 1, 3], { scale: 2, gap: 0, range: [0, 1] });
    expect([grid.width, grid.height]).toEqual([2, 2]);
    for (let p = 0; p < 4; p++) expect(Array.from(grid.data.subarray(p * 4, p * 4 + 4))).toEqual([0, 128, 255, 255]);
  });

  it('names the mismatch', () => {
    expect(() => imageGridPixels(new Float32Array(5), [1, 2, 2, 1])).toThrow(ShapeError);
    expect(() => imageGridPixels(new Float32Array(8), [1, 2, 2, 2])).toThrow(/1, 3 or 4 channels, got 2/);
  });
});
