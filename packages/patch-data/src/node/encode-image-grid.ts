/**
 * Image grids as PNG bytes (Node): {@link imageGridPixels} of the main entry, encoded with pngjs.
 *
 * @module
 */
import { PNG } from 'pngjs';
import { imageGridPixels, type ImageGridOptions } from '../image-grid.js';

/**
 * Encodes N images (flat float NHWC, 1, 3 or 4 channels) as one PNG grid; values are clipped to `opts.range`
 * (default [−1, 1]). Write the bytes with `fs.writeFile`.
 *
 * @param pixels float32 [N·H·W·C]
 * @param shape [N, H, W, C]
 * @returns the PNG file's bytes
 * @example
 * await writeFile('samples.png', encodeImageGrid(await samples.data(), [16, 28, 28, 1], { columns: 4 }));
 */
export function encodeImageGrid(
  pixels: ArrayLike<number>,
  shape: readonly [number, number, number, number],
  opts: ImageGridOptions = {},
): Uint8Array {
  const grid = imageGridPixels(pixels, shape, opts);
  const png = new PNG({ width: grid.width, height: grid.height });
  png.data.set(grid.data);
  return new Uint8Array(PNG.sync.write(png));
}
