/**
 * Image grids (samples, completions, a batch at a glance): N float images laid out as one RGBA picture. Browser-safe
 * pure arithmetic; `new ImageData(grid.data, grid.width, grid.height)` shows it on a canvas, and
 * `@darl/patch-data/node`'s `encodeImageGrid` turns it into PNG bytes.
 *
 * @module
 */
import { ShapeError } from '@darl/tensor-backend';

/** Options of {@link imageGridPixels}. */
export interface ImageGridOptions {
  /** Images per row (default: ⌈√N⌉). */
  readonly columns?: number;
  /** Integer upscaling of each pixel (default 2). */
  readonly scale?: number;
  /** Gap between images in pixels before scaling (default 1); the gaps are white. */
  readonly gap?: number;
  /** Value range of the input, mapped to 0…255 (default [−1, 1]); values outside are clipped. */
  readonly range?: readonly [number, number];
}

/** An RGBA picture, row-major, 4 bytes per pixel, fully opaque. */
export interface ImageGridPixels {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** [height · width · 4] RGBA bytes. */
  readonly data: Uint8ClampedArray;
}

/**
 * Lays out N images (flat float NHWC; 1 channel as gray, 3 as RGB, 4 as RGB with the alpha ignored) as one grid.
 *
 * @param pixels float32 [N·H·W·C], e.g. `await images.data()` of model output in its pixel scale
 * @param shape [N, H, W, C]
 */
export function imageGridPixels(
  pixels: ArrayLike<number>,
  shape: readonly [number, number, number, number],
  opts: ImageGridOptions = {},
): ImageGridPixels {
  const [n, h, w, c] = shape;
  if (pixels.length !== n * h * w * c) throw new ShapeError(`imageGridPixels: ${pixels.length} values do not fill shape [${shape.join(', ')}].`);
  if (c !== 1 && c !== 3 && c !== 4) throw new ShapeError(`imageGridPixels: images must have 1, 3 or 4 channels, got ${c}.`);
  const cols = Math.max(1, opts.columns ?? Math.ceil(Math.sqrt(n)));
  const rows = Math.max(1, Math.ceil(n / cols));
  const scale = opts.scale ?? 2;
  const gap = opts.gap ?? 1;
  const [lo, hi] = opts.range ?? [-1, 1];
  const width = (cols * (w + gap) + gap) * scale;
  const height = (rows * (h + gap) + gap) * scale;
  const data = new Uint8ClampedArray(width * height * 4).fill(255); // white background, opaque
  const rgb = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const ox = (gap + (i % cols) * (w + gap)) * scale;
    const oy = (gap + Math.floor(i / cols) * (h + gap)) * scale;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const base = ((i * h + y) * w + x) * c;
        for (let k = 0; k < 3; k++) rgb[k] = Math.round(Math.min(1, Math.max(0, (pixels[base + (c === 1 ? 0 : k)]! - lo) / (hi - lo))) * 255);
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const o = ((oy + y * scale + dy) * width + (ox + x * scale + dx)) * 4;
            data[o] = rgb[0]!;
            data[o + 1] = rgb[1]!;
            data[o + 2] = rgb[2]!;
          }
        }
      }
    }
  }
  return { width, height, data };
}
