import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  bfloat16BitsToFloat32,
  bfloat16BitsToFloat32Array,
  float16BitsToFloat32,
  float16BitsToFloat32Array,
  float32ArrayToBfloat16Bits,
  float32ArrayToFloat16Bits,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
} from './half-precision.js';

// torch's roundings of ~4500 float32 bit patterns (fixtures/make_half_golden.py).
const golden = JSON.parse(readFileSync(new URL('../../fixtures/half_golden.json', import.meta.url), 'utf8')) as {
  inputs: number[];
  f16: number[];
  bf16: number[];
};
const inputs = new Float32Array(Uint32Array.from(golden.inputs).buffer);

const isF16NaN = (b: number): boolean => (b & 0x7c00) === 0x7c00 && (b & 0x3ff) !== 0;
const isBf16NaN = (b: number): boolean => (b & 0x7f80) === 0x7f80 && (b & 0x7f) !== 0;

function expectSameBits(actual: Uint16Array, expected: number[], isNaN: (b: number) => boolean, label: string): void {
  let mismatches = 0;
  let first = '';
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const ok = isNaN(e) ? isNaN(a) : a === e;
    if (!ok) {
      mismatches++;
      first ||= `input 0x${golden.inputs[i]!.toString(16)} (${inputs[i]}) → 0x${a.toString(16)}, torch 0x${e.toString(16)}`;
    }
  }
  expect(mismatches, `${label}: ${mismatches} mismatches, first: ${first}`).toBe(0);
}

describe('float32 → float16 / bfloat16 (round to nearest even)', () => {
  it('matches torch on edge cases and random bit patterns (float16)', () => {
    expectSameBits(float32ArrayToFloat16Bits(inputs), golden.f16, isF16NaN, 'float16');
  });
  it('matches torch on edge cases and random bit patterns (bfloat16)', () => {
    expectSameBits(float32ArrayToBfloat16Bits(inputs), golden.bf16, isBf16NaN, 'bfloat16');
  });
  it('scalar and array versions agree', () => {
    for (let i = 0; i < 200; i++) {
      expect(float32ToFloat16Bits(inputs[i]!)).toBe(float32ArrayToFloat16Bits(inputs.subarray(i, i + 1))[0]);
      expect(float32ToBfloat16Bits(inputs[i]!)).toBe(float32ArrayToBfloat16Bits(inputs.subarray(i, i + 1))[0]);
    }
  });
  it('rounds ties to even, overflows to infinity, keeps subnormals, signed zeros and NaN', () => {
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even (down)
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
    expect(float32ToFloat16Bits(65519)).toBe(0x7bff);
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00);
    expect(float32ToFloat16Bits(2 ** -24)).toBe(0x0001);
    expect(float32ToFloat16Bits(2 ** -25)).toBe(0x0000); // tie between 0 and the smallest subnormal → 0
    expect(float32ToFloat16Bits(3 * 2 ** -25)).toBe(0x0002);
    expect(float32ToFloat16Bits(-0)).toBe(0x8000);
    expect(isF16NaN(float32ToFloat16Bits(Number.NaN))).toBe(true);
    expect(float32ToBfloat16Bits(1 + 2 ** -8)).toBe(0x3f80);
    expect(float32ToBfloat16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(float32ToBfloat16Bits(3.4028235e38)).toBe(0x7f80);
    expect(isBf16NaN(float32ToBfloat16Bits(Number.NaN))).toBe(true);
  });
});

describe('float16 / bfloat16 → float32', () => {
  it('decodes known patterns', () => {
    expect([0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x7c00, 0xfc00].map(float16BitsToFloat32)).toEqual([
      1, -2, 65504, 2 ** -24, 2 ** -14, Infinity, -Infinity,
    ]);
    expect(Object.is(float16BitsToFloat32(0x8000), -0)).toBe(true);
    expect(float16BitsToFloat32(0x7e00)).toBeNaN();
    expect([0x3f80, 0xc000, 0x7f80, 0x0001].map(bfloat16BitsToFloat32)).toEqual([1, -2, Infinity, 2 ** -133]);
  });
  it('is the exact inverse of the rounding on every one of the 65 536 patterns (NaNs stay NaN)', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    for (const [decode, encode, isNaN] of [
      [float16BitsToFloat32Array, float32ArrayToFloat16Bits, isF16NaN],
      [bfloat16BitsToFloat32Array, float32ArrayToBfloat16Bits, isBf16NaN],
    ] as const) {
      const back = encode(decode(all));
      let bad = 0;
      for (let i = 0; i < 65536; i++) if (isNaN(i) ? !isNaN(back[i]!) : back[i] !== i) bad++;
      expect(bad).toBe(0);
    }
  });
});
