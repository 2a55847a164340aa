import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { imageGridPixels } from '../image-grid.js';
import { encodeImageGrid } from './encode-image-grid.js';

describe('encodeImageGrid', () => {
  it('writes a PNG that decodes to exactly the grid pixels', () => {
    const pixels = Float32Array.from({ length: 5 * 3 * 4 * 3 }, (_, i) => Math.sin(i) * 1.2);
    const shape = [5, 3, 4, 3] as const;
    const png = PNG.sync.read(Buffer.from(encodeImageGrid(pixels, shape, { columns: 3 })));
    const grid = imageGridPixels(pixels, shape, { columns: 3 });
    expect([png.width, png.height]).toEqual([grid.width, grid.height]);
    expect(Buffer.compare(png.data, Buffer.from(grid.data))).toBe(0);
  });
});
