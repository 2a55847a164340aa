/**
 * Image grids as PNG files (samples, completions): float images in the model's pixel scale → one PNG.
 *
 * @module
 */
import { PNG } from 'pngjs';

/** Options of {@link encodeImageGrid}. */
export interface ImageGridOptions {
  /** Images per row (default: ⌈√N⌉). */
  readonly columns?: number;
  /** Integer upscaling of each pixel (default 2). */
  readonly scale?: number;
  /** Gap between images in pixels before scaling (default 1). */
  readonly gap?: number;
  /** Value range of the input (default [-1, 1]). */
  readonly range?: readonly [number, number];
}

/**
 * Encodes N images (flat float NHWC, 1 or 3 channels) as one PNG grid. Values are clipped to `range`.
 * @param pixels float32 [N·H·W·C]
 */
export function encodeImageGrid(
  pixels: Float32Array,
  shape: readonly [number, number, number, number],
  opts: ImageGridOptions = {},
): Uint8Array {
  const [n, h, w, c] = shape;
  if (pixels.length !== n * h * w * c) throw new Error(`encodeImageGrid: ${pixels.length} values do not fill shape [${shape.join(', ')}].`);
  if (c !== 1 && c !== 3 && c !== 4) throw new Error(`encodeImageGrid: images must have 1, 3 or 4 channels, got ${c}.`);
  const cols = Math.max(1, opts.columns ?? Math.ceil(Math.sqrt(n)));
  const rows = Math.max(1, Math.ceil(n / cols));
  const scale = opts.scale ?? 2;
  const gap = opts.gap ?? 1;
  const [lo, hi] = opts.range ?? [-1, 1];
  const width = (cols * (w + gap) + gap) * scale;
  const height = (rows * (h + gap) + gap) * scale;
  const png = new PNG({ width, height });
  png.data.fill(255); // white background, opaque
  for (let i = 0; i < n; i++) {
    const ox = (gap + (i % cols) * (w + gap)) * scale;
    const oy = (gap + Math.floor(i / cols) * (h + gap)) * scale;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const base = ((i * h + y) * w + x) * c;
        const rgb = [0, 1, 2].map((k) => {
          const v = pixels[base + (c === 1 ? 0 : k)]!;
          return Math.round(Math.min(1, Math.max(0, (v - lo) / (hi - lo))) * 255);
        });
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const o = ((oy + y * scale + dy) * width + (ox + x * scale + dx)) * 4;
            png.data[o] = rgb[0]!;
            png.data[o + 1] = rgb[1]!;
            png.data[o + 2] = rgb[2]!;
            png.data[o + 3] = 255;
          }
        }
      }
    }
  }
  return new Uint8Array(PNG.sync.write(png));
}
