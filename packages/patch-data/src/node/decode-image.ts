/**
 * Decoding PNG (pngjs) and JPEG (jpeg-js) files to RGBA bytes, recognised by their signature bytes rather than
 * their file extension.
 *
 * @module
 */
import pngjs from 'pngjs';
import jpeg from 'jpeg-js';
import { DatasetError } from '../dataset.js';

/** A decoded image: `height × width` RGBA pixels (4 bytes each, row-major). */
export interface DecodedImage {
  /** Height in pixels. */
  readonly height: number;
  /** Width in pixels. */
  readonly width: number;
  /** `[height · width · 4]` RGBA bytes, row-major. */
  readonly rgba: Uint8Array;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** `'png'`, `'jpeg'` or `null`, from the first bytes of a file. */
export function sniffImageFormat(bytes: Uint8Array): 'png' | 'jpeg' | null {
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

/**
 * Decodes a PNG or JPEG file's bytes to RGBA. PNGs of every colour type and bit depth are expanded by pngjs to
 * 8-bit RGBA (16-bit samples scaled to 8 bits; grayscale copied to R, G and B; missing alpha = 255); JPEGs
 * (baseline and progressive, grayscale or colour) by jpeg-js.
 *
 * @param source the file path, for error messages
 */
export function decodeImage(bytes: Uint8Array, source: string): DecodedImage {
  const format = sniffImageFormat(bytes);
  if (format === null) {
    const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new DatasetError(
      `Image ${source}: expected a PNG (starting 89 50 4e 47 0d 0a 1a 0a) or JPEG (starting ff d8 ff) file, found bytes ${head || '(empty file)'}. ` +
        'Remove or convert the file.',
    );
  }
  try {
    if (format === 'png') {
      const png = pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { height: png.height, width: png.width, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    }
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
    return { height: img.height, width: img.width, rgba: img.data };
  } catch (err) {
    throw new DatasetError(
      `Image ${source}: expected a decodable ${format.toUpperCase()} file, but decoding failed: ${(err as Error).message}. The file is truncated or corrupt.`,
    );
  }
}

/**
 * Writes an RGBA image as `channels` bytes per pixel into `out` at `offset`: 4 keeps RGBA; 3 drops alpha (colour
 * values are kept as stored, not composited); 1 takes the luma `round(0.299 R + 0.587 G + 0.114 B)` (ITU-R BT.601,
 * exact for gray images where R = G = B).
 */
export function rgbaToChannels(rgba: Uint8Array, pixels: number, channels: 1 | 3 | 4, out: Uint8Array, offset: number): void {
  if (channels === 4) {
    out.set(rgba.subarray(0, pixels * 4), offset);
    return;
  }
  for (let p = 0; p < pixels; p++) {
    const r = rgba[4 * p]!;
    const g = rgba[4 * p + 1]!;
    const b = rgba[4 * p + 2]!;
    if (channels === 3) {
      out[offset + 3 * p] = r;
      out[offset + 3 * p + 1] = g;
      out[offset + 3 * p + 2] = b;
    } else {
      out[offset + p] = r === g && g === b ? r : Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    }
  }
}
