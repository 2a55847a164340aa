/**
 * Conversions between float32 and the 16-bit float formats of safetensors: IEEE 754 binary16 (`F16`) and bfloat16
 * (`BF16`). Rounding is to nearest, ties to even; subnormals, ±0, ±∞ and NaN are kept (a NaN stays a NaN with the
 * quiet bit set). 16-bit values travel as their raw bits in a `Uint16Array`.
 *
 * @module
 */

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** float32 bits → binary16 bits, rounding to nearest even. */
function f32BitsToF16Bits(u: number): number {
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  const mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 127 + 15; // biased binary16 exponent
  if (e >= 31) return sign | 0x7c00; // ≥ 2^16: overflow to infinity
  if (e <= 0) {
    // Subnormal (or zero) in binary16: value = m · 2^(e − 14) in units of 2^-24.
    if (e < -10) return sign; // below 2^-25 rounds to ±0 (2^-25 itself is the tie with 0, handled below)
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    return sign | (rem > halfway || (rem === halfway && (half & 1) === 1) ? half + 1 : half);
  }
  const half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa moves to the next binade; out of the largest one it gives infinity (0x7c00).
  return sign | (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1) ? half + 1 : half);
}

/** binary16 bits → float32 bits (exact). */
function f16BitsToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  scratchF32[0] = mant * 2 ** -24; // exact: a binary16 subnormal is a float32 normal
  return (sign | scratchU32[0]!) >>> 0;
}

/** float32 bits → bfloat16 bits, rounding to nearest even. */
function f32BitsToBf16Bits(u: number): number {
  if ((u & 0x7f800000) === 0x7f800000 && (u & 0x7fffff) !== 0) return (u >>> 16) | 0x0040; // NaN: keep it a NaN
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Rounds a number to float32 and then to binary16; returns the 16 bits. */
export function float32ToFloat16Bits(x: number): number {
  scratchF32[0] = x;
  return f32BitsToF16Bits(scratchU32[0]!);
}

/** The value of binary16 bits (exactly representable in float32). */
export function float16BitsToFloat32(bits: number): number {
  scratchU32[0] = f16BitsToF32Bits(bits & 0xffff);
  return scratchF32[0]!;
}

/** Rounds a number to float32 and then to bfloat16; returns the 16 bits. */
export function float32ToBfloat16Bits(x: number): number {
  scratchF32[0] = x;
  return f32BitsToBf16Bits(scratchU32[0]!);
}

/** The value of bfloat16 bits (exactly representable in float32). */
export function bfloat16BitsToFloat32(bits: number): number {
  scratchU32[0] = (bits & 0xffff) << 16;
  return scratchF32[0]!;
}

/** float32 values → binary16 bits, element-wise. */
export function float32ArrayToFloat16Bits(values: Float32Array): Uint16Array {
  const u = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < u.length; i++) out[i] = f32BitsToF16Bits(u[i]!);
  return out;
}

/** binary16 bits → float32 values, element-wise. */
export function float16BitsToFloat32Array(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const u = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) u[i] = f16BitsToF32Bits(bits[i]!);
  return out;
}

/** float32 values → bfloat16 bits, element-wise. */
export function float32ArrayToBfloat16Bits(values: Float32Array): Uint16Array {
  const u = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < u.length; i++) out[i] = f32BitsToBf16Bits(u[i]!);
  return out;
}

/** bfloat16 bits → float32 values, element-wise. */
export function bfloat16BitsToFloat32Array(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const u = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) u[i] = bits[i]! << 16;
  return out;
}
