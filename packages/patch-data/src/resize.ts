/**
 * Resizing byte images (HWC, any channel count) with a separable filter, and centre cropping.
 *
 * Filter, per axis: when shrinking, an **area** (box) filter — each output pixel is the mean of the input interval
 * it covers, with fractional weights at the interval's ends (OpenCV `INTER_AREA`, PIL `BOX`); when enlarging (or
 * keeping the size), **bilinear** interpolation with half-pixel centres (`align_corners = False`, edges clamped).
 * Results are rounded to the nearest byte. The horizontal pass runs first, in float32.
 *
 * @module
 */

/** A rectangle of a source image: top-left corner and size in pixels. */
export interface Region {
  /** Top row. */
  readonly y: number;
  /** Left column. */
  readonly x: number;
  /** Height in pixels. */
  readonly height: number;
  /** Width in pixels. */
  readonly width: number;
}

interface AxisWeights {
  /** First contributing source index per output index. */
  readonly start: Int32Array;
  /** Number of contributing source pixels per output index. */
  readonly count: Int32Array;
  /** Weights, `maxCount` per output index. */
  readonly weights: Float32Array;
  readonly maxCount: number;
}

/** Weights mapping `inSize` source pixels starting at `offset` to `outSize` output pixels. */
function axisWeights(offset: number, inSize: number, outSize: number): AxisWeights {
  const scale = inSize / outSize;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  if (scale > 1) {
    const maxCount = Math.ceil(scale) + 1;
    const weights = new Float32Array(outSize * maxCount);
    for (let j = 0; j < outSize; j++) {
      const lo = j * scale;
      const hi = Math.min(inSize, (j + 1) * scale);
      const first = Math.floor(lo);
      const last = Math.min(inSize - 1, Math.ceil(hi) - 1);
      start[j] = offset + first;
      count[j] = last - first + 1;
      for (let s = first; s <= last; s++) {
        const overlap = Math.min(hi, s + 1) - Math.max(lo, s);
        weights[j * maxCount + (s - first)] = overlap / scale;
      }
    }
    return { start, count, weights, maxCount };
  }
  const maxCount = 2;
  const weights = new Float32Array(outSize * maxCount);
  for (let j = 0; j < outSize; j++) {
    const src = Math.min(inSize - 1, Math.max(0, (j + 0.5) * scale - 0.5));
    const i0 = Math.floor(src);
    const frac = src - i0;
    start[j] = offset + i0;
    if (i0 + 1 < inSize && frac > 0) {
      count[j] = 2;
      weights[j * 2] = 1 - frac;
      weights[j * 2 + 1] = frac;
    } else {
      count[j] = 1;
      weights[j * 2] = 1;
    }
  }
  return { start, count, weights, maxCount };
}

/**
 * Resizes `region` of a `[height, width, channels]` byte image to `[outHeight, outWidth, channels]` (filter in the
 * module documentation).
 *
 * @returns uint8 `[outHeight, outWidth, channels]` (flat); written into `out` at `outOffset` when given
 */
export function resizeRegion(
  src: Uint8Array,
  height: number,
  width: number,
  channels: number,
  region: Region,
  outHeight: number,
  outWidth: number,
  out: Uint8Array = new Uint8Array(outHeight * outWidth * channels),
  outOffset = 0,
): Uint8Array {
  const { y, x, height: rh, width: rw } = region;
  if (
    ![y, x, rh, rw, outHeight, outWidth].every(Number.isInteger) ||
    rh <= 0 || rw <= 0 || y < 0 || x < 0 || y + rh > height || x + rw > width || outHeight <= 0 || outWidth <= 0
  ) {
    throw new RangeError(
      `resizeRegion: region ${JSON.stringify(region)} → ${outHeight}×${outWidth} is not a valid non-empty integer region of a ${height}×${width} image.`,
    );
  }
  const wx = axisWeights(x, rw, outWidth);
  const wy = axisWeights(y, rh, outHeight);
  // Horizontal pass over the needed rows: tmp [rh, outWidth, C].
  const tmp = new Float32Array(rh * outWidth * channels);
  for (let r = 0; r < rh; r++) {
    const rowBase = (y + r) * width * channels;
    for (let j = 0; j < outWidth; j++) {
      const s0 = wx.start[j]!;
      const n = wx.count[j]!;
      const wb = j * wx.maxCount;
      const o = (r * outWidth + j) * channels;
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        for (let k = 0; k < n; k++) acc += wx.weights[wb + k]! * src[rowBase + (s0 + k) * channels + c]!;
        tmp[o + c] = acc;
      }
    }
  }
  // Vertical pass.
  const rowLen = outWidth * channels;
  for (let i = 0; i < outHeight; i++) {
    const s0 = wy.start[i]! - y;
    const n = wy.count[i]!;
    const wb = i * wy.maxCount;
    const o = outOffset + i * rowLen;
    for (let q = 0; q < rowLen; q++) {
      let acc = 0;
      for (let k = 0; k < n; k++) acc += wy.weights[wb + k]! * tmp[(s0 + k) * rowLen + q]!;
      const v = Math.round(acc);
      out[o + q] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return out;
}

/**
 * Resizes an image so that it covers `outHeight × outWidth` while keeping its aspect ratio (the scale is
 * `max(outHeight / height, outWidth / width)`), then crops the centre — torchvision's `Resize` + `CenterCrop`.
 * Implemented as one resize of the centred source region with the target's aspect ratio, so no intermediate
 * image is made.
 *
 * @returns uint8 `[outHeight, outWidth, channels]` (flat); written into `out` at `outOffset` when given
 */
export function resizeAndCenterCrop(
  src: Uint8Array,
  height: number,
  width: number,
  channels: number,
  outHeight: number,
  outWidth: number,
  out?: Uint8Array,
  outOffset = 0,
): Uint8Array {
  const region = centeredRegion(height, width, outHeight / outWidth);
  return resizeRegion(src, height, width, channels, region, outHeight, outWidth, out, outOffset);
}

/** The largest centred region of a `height × width` image with aspect ratio `ratio` (height / width), rounded. */
export function centeredRegion(height: number, width: number, ratio: number): Region {
  let rh = height;
  let rw = Math.round(height / ratio);
  if (rw > width) {
    rw = width;
    rh = Math.min(height, Math.max(1, Math.round(width * ratio)));
  }
  rw = Math.max(1, rw);
  return { y: Math.floor((height - rh) / 2), x: Math.floor((width - rw) / 2), height: rh, width: rw };
}
