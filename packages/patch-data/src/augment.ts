/**
 * Seeded data augmentation on byte batches. Every transform is off unless its option is given; with no options
 * {@link augment} returns an unchanged copy. Per image, random numbers are drawn in a fixed order (resized crop,
 * then crop with padding, then flip), so the same `Rng` state gives the same batch on every machine.
 *
 * @module
 */
import type { Rng } from '@darl/tensor-backend';
import { resizeRegion, type Region } from './resize.js';

/** Which augmentations to apply; all off by default. */
export interface AugmentOptions {
  /**
   * torchvision's `RandomResizedCrop` to the input size: a region with area fraction in `scale` (default
   * [0.08, 1]) and aspect ratio (width / height) log-uniform in `ratio` (default [3/4, 4/3]); 10 attempts, then the
   * largest centred region within `ratio`. Resized with the area/bilinear filter of `resize.ts`.
   */
  readonly randomResizedCrop?: {
    /** Range of the crop's area as a fraction of the image (default [0.08, 1]). */
    readonly scale?: readonly [number, number];
    /** Range of the crop's aspect ratio width/height (default [3/4, 4/3]). */
    readonly ratio?: readonly [number, number];
  };
  /** Pad each side by `padding` pixels of value `fill` (default 0) and take a random crop of the original size. */
  readonly randomCrop?: {
    /** Pixels of padding on each side. */
    readonly padding: number;
    /** Byte value of the padding (default 0). */
    readonly fill?: number;
  };
  /** Mirror left–right with probability 0.5 (`true`) or the given probability. */
  readonly horizontalFlip?: boolean | number;
}

/** True when `opts` turns on at least one augmentation. */
export function augmentationEnabled(opts: AugmentOptions | undefined): boolean {
  if (!opts) return false;
  return opts.randomResizedCrop !== undefined || opts.randomCrop !== undefined || (opts.horizontalFlip !== undefined && opts.horizontalFlip !== false);
}

function validate(opts: AugmentOptions): void {
  const rrc = opts.randomResizedCrop;
  if (rrc) {
    const [s0, s1] = rrc.scale ?? [0.08, 1];
    const [r0, r1] = rrc.ratio ?? [3 / 4, 4 / 3];
    if (!(s0 > 0 && s0 <= s1 && s1 <= 1)) throw new RangeError(`augment: randomResizedCrop.scale must satisfy 0 < min ≤ max ≤ 1, got [${s0}, ${s1}].`);
    if (!(r0 > 0 && r0 <= r1)) throw new RangeError(`augment: randomResizedCrop.ratio must satisfy 0 < min ≤ max, got [${r0}, ${r1}].`);
  }
  const rc = opts.randomCrop;
  if (rc) {
    if (!Number.isInteger(rc.padding) || rc.padding < 0) throw new RangeError(`augment: randomCrop.padding must be an integer ≥ 0, got ${rc.padding}.`);
    const fill = rc.fill ?? 0;
    if (!Number.isInteger(fill) || fill < 0 || fill > 255) throw new RangeError(`augment: randomCrop.fill must be a byte 0…255, got ${fill}.`);
  }
  const p = opts.horizontalFlip;
  if (typeof p === 'number' && !(p >= 0 && p <= 1)) throw new RangeError(`augment: horizontalFlip probability must be in [0, 1], got ${p}.`);
}

/** torchvision's `RandomResizedCrop.get_params`. */
function resizedCropRegion(height: number, width: number, scale: readonly [number, number], ratio: readonly [number, number], rng: Rng): Region {
  const area = height * width;
  const logR0 = Math.log(ratio[0]);
  const logR1 = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * (scale[0] + (scale[1] - scale[0]) * rng.next());
    const aspect = Math.exp(logR0 + (logR1 - logR0) * rng.next());
    const w = Math.round(Math.sqrt(target * aspect));
    const h = Math.round(Math.sqrt(target / aspect));
    if (w > 0 && h > 0 && w <= width && h <= height) {
      return { y: rng.int(height - h + 1), x: rng.int(width - w + 1), height: h, width: w };
    }
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < ratio[0]) h = Math.round(w / ratio[0]);
  else if (inRatio > ratio[1]) w = Math.round(h * ratio[1]);
  return { y: Math.floor((height - h) / 2), x: Math.floor((width - w) / 2), height: h, width: w };
}

/**
 * Applies the enabled augmentations to each image of a byte batch, drawing randomness from `rng`.
 *
 * @param pixels uint8 `[B, H, W, C]` (flat, HWC per image); not modified
 * @param shape `[B, H, W, C]`
 * @returns a new uint8 `[B, H, W, C]` (same shape as the input)
 */
export function augment(pixels: Uint8Array, shape: readonly [number, number, number, number], opts: AugmentOptions, rng: Rng): Uint8Array {
  const [b, height, width, channels] = shape;
  const per = height * width * channels;
  if (!shape.every((d) => Number.isInteger(d) && d >= 0) || pixels.length !== b * per) {
    throw new RangeError(`augment: "pixels" holds ${pixels.length} bytes but shape [${shape.join(', ')}] needs ${b * per}.`);
  }
  validate(opts);
  const out = new Uint8Array(pixels);
  const scratch = new Uint8Array(per);
  const rowLen = width * channels;
  for (let i = 0; i < b; i++) {
    const img = out.subarray(i * per, (i + 1) * per);
    if (opts.randomResizedCrop) {
      const region = resizedCropRegion(
        height,
        width,
        opts.randomResizedCrop.scale ?? [0.08, 1],
        opts.randomResizedCrop.ratio ?? [3 / 4, 4 / 3],
        rng,
      );
      scratch.set(img);
      resizeRegion(scratch, height, width, channels, region, height, width, img, 0);
    }
    if (opts.randomCrop) {
      const pad = opts.randomCrop.padding;
      const fill = opts.randomCrop.fill ?? 0;
      const dy = rng.int(2 * pad + 1) - pad;
      const dx = rng.int(2 * pad + 1) - pad;
      if (dy !== 0 || dx !== 0) {
        scratch.set(img);
        img.fill(fill);
        // out(y, x) = in(y + dy, x + dx) where inside the original image.
        const x0 = Math.max(0, -dx);
        const x1 = Math.min(width, width - dx);
        for (let y = Math.max(0, -dy); y < Math.min(height, height - dy); y++) {
          if (x1 > x0) img.set(scratch.subarray((y + dy) * rowLen + (x0 + dx) * channels, (y + dy) * rowLen + (x1 + dx) * channels), y * rowLen + x0 * channels);
        }
      }
    }
    const flipP = opts.horizontalFlip === true ? 0.5 : typeof opts.horizontalFlip === 'number' ? opts.horizontalFlip : 0;
    if (opts.horizontalFlip !== undefined && opts.horizontalFlip !== false && rng.next() < flipP) {
      for (let y = 0; y < height; y++) {
        const row = y * rowLen;
        for (let x = 0; x < width >> 1; x++) {
          const a = row + x * channels;
          const z = row + (width - 1 - x) * channels;
          for (let c = 0; c < channels; c++) {
            const t = img[a + c]!;
            img[a + c] = img[z + c]!;
            img[z + c] = t;
          }
        }
      }
    }
  }
  return out;
}
