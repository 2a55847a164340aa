import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeBackends, expectNoLeak } from '../testing/index.js';
import { decodeSafetensors } from './decode-safetensors.js';
import { encodeSafetensors } from './encode-safetensors.js';
import { SafetensorsError, type SafetensorsEntry } from './format.js';
import { toTfTensor } from './to-tf-tensor.js';
import { bfloat16BitsToFloat32Array, float16BitsToFloat32Array } from './half-precision.js';

const fixture = (name: string): URL => new URL(`../../fixtures/${name}`, import.meta.url);

/** Builds a file by hand: header object (serialised as given), padding, data bytes. */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0), opts: { headerText?: string; lengthPrefix?: number } = {}): Uint8Array {
  const text = new TextEncoder().encode(opts.headerText ?? JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setUint32(0, opts.lengthPrefix ?? text.length, true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

function bitsOf(data: Float32Array): number[] {
  return Array.from(new Uint32Array(data.buffer, data.byteOffset, data.length));
}

const ALL_DTYPES: Record<string, SafetensorsEntry> = {
  f32: { dtype: 'F32', shape: [2, 3], data: Float32Array.of(0, -0, 1.5, Infinity, Number.NaN, -1e-45) },
  f16: { dtype: 'F16', shape: [4], data: Uint16Array.of(0x3c00, 0x8000, 0x7c00, 0x0001) },
  bf16: { dtype: 'BF16', shape: [2, 1], data: Uint16Array.of(0x3f80, 0xff80) },
  i32: { dtype: 'I32', shape: [3], data: Int32Array.of(-2147483648, 2147483647, 0) },
  i64: { dtype: 'I64', shape: [2], data: BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n) },
  u8: { dtype: 'U8', shape: [1, 3], data: Uint8Array.of(0, 128, 255) },
  empty: { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
  scalar: { dtype: 'I32', shape: [], data: Int32Array.of(-5) },
};

describe('safetensors round trip', () => {
  it('every dtype, empty and scalar tensors, and metadata survive encode → decode bit for bit', async () => {
    const metadata = { format: 'darl', note: 'größe ✓', json: '{"a":1}' };
    const bytes = await encodeSafetensors(ALL_DTYPES, metadata);
    const { tensors, metadata: meta } = decodeSafetensors(bytes);
    expect(meta).toEqual(metadata);
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(ALL_DTYPES).sort());
    for (const [name, entry] of Object.entries(ALL_DTYPES)) {
      const got = tensors[name]!;
      expect(got.dtype, name).toBe(entry.dtype);
      expect(got.shape, name).toEqual(entry.shape);
      expect(got.data.constructor, name).toBe(entry.data.constructor);
      if (entry.data instanceof Float32Array) expect(bitsOf(got.data as Float32Array), name).toEqual(bitsOf(entry.data));
      else expect(Array.from(got.data as ArrayLike<number | bigint>), name).toEqual(Array.from(entry.data as ArrayLike<number | bigint>));
    }
  });

  it('lays out the file as the specification says: u64 length, space-padded header, aligned data', async () => {
    const bytes = await encodeSafetensors(ALL_DTYPES, { a: 'b' });
    const n = new DataView(bytes.buffer).getUint32(0, true);
    expect(new DataView(bytes.buffer).getUint32(4, true)).toBe(0);
    expect((8 + n) % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text.startsWith('{')).toBe(true);
    expect(text.trimEnd().length).toBeGreaterThan(0);
    expect(/^ *$/.test(text.slice(text.trimEnd().length))).toBe(true);
    const header = JSON.parse(text) as Record<string, { dtype: string; data_offsets: [number, number] }>;
    // Largest element size first, then by name; each tensor aligned to its element size; no gaps.
    const names = Object.keys(header).filter((k) => k !== '__metadata__');
    expect(names).toEqual(['i64', 'empty', 'f32', 'i32', 'scalar', 'bf16', 'f16', 'u8']);
    let end = 0;
    const bytesPer: Record<string, number> = { F32: 4, F16: 2, BF16: 2, I32: 4, I64: 8, U8: 1 };
    for (const name of names) {
      const [b, e] = header[name]!.data_offsets;
      expect(b).toBe(end);
      expect(b % bytesPer[header[name]!.dtype]!).toBe(0);
      end = e;
    }
    expect(end).toBe(bytes.length - 8 - n);
  });

  it('rounds float32 data given for F16 / BF16 to nearest even', async () => {
    const bytes = await encodeSafetensors({
      h: { dtype: 'F16', shape: [3], data: Float32Array.of(1 + 2 ** -11, 65520, 0.1) },
      b: { dtype: 'BF16', shape: [1], data: Float32Array.of(1 + 3 * 2 ** -8) },
    });
    const { tensors } = decodeSafetensors(bytes);
    expect(Array.from(tensors.h!.data as Uint16Array)).toEqual([0x3c00, 0x7c00, 0x2e66]);
    expect(Array.from(tensors.b!.data as Uint16Array)).toEqual([0x3f82]);
  });

  it('rejects inputs it cannot write, naming the tensor', async () => {
    await expect(encodeSafetensors({ x: { dtype: 'F32', shape: [3], data: Float32Array.of(1, 2) } })).rejects.toThrow(
      /"x" has shape \[3\] \(3 elements\) but 2 data elements/,
    );
    await expect(encodeSafetensors({ x: { dtype: 'I64', shape: [1], data: Int32Array.of(1) } })).rejects.toThrow(/"x" has dtype I64, so its data must be a BigInt64Array; got Int32Array/);
    await expect(encodeSafetensors({ x: { dtype: 'F64' as never, shape: [1], data: Float32Array.of(1) } })).rejects.toThrow(/dtype one of F32, F16, BF16, I32, I64, U8/);
    await expect(encodeSafetensors({ __metadata__: ALL_DTYPES.f32! })).rejects.toThrow(/reserved/);
    await expect(encodeSafetensors({}, { n: 3 as never })).rejects.toThrow(/metadata "n" is a number/);
    await expect(encodeSafetensors({ x: { dtype: 'U8', shape: [-1], data: new Uint8Array(0) } })).rejects.toThrow(/invalid shape \[-1\]/);
  });
});

describe('reading a file written by an independent writer (fixtures/make_safetensors.py, numpy)', () => {
  const expected = JSON.parse(readFileSync(fixture('sample.expected.json'), 'utf8')) as {
    metadata: Record<string, string>;
    tensors: Record<string, { dtype: string; shape: number[]; bits?: number[]; values?: (number | string)[] }>;
  };
  const decoded = decodeSafetensors(new Uint8Array(readFileSync(fixture('sample.safetensors'))), { source: 'sample.safetensors' });
  const num = (v: number | string): number => (typeof v === 'number' ? v : Number(v));

  it('has the metadata and the tensors, with dtypes and shapes', () => {
    expect(decoded.metadata).toEqual(expected.metadata);
    expect(Object.keys(decoded.tensors)).toEqual(Object.keys(expected.tensors));
    for (const [name, e] of Object.entries(expected.tensors)) {
      expect(decoded.tensors[name]!.dtype, name).toBe(e.dtype);
      expect(decoded.tensors[name]!.shape, name).toEqual(e.shape);
    }
  });

  it('has every value, bit for bit', () => {
    for (const [name, e] of Object.entries(expected.tensors)) {
      const t = decoded.tensors[name]!;
      if (t.dtype === 'F32') expect(bitsOf(t.data as Float32Array), name).toEqual(e.bits);
      else if (t.dtype === 'F16' || t.dtype === 'BF16') expect(Array.from(t.data as Uint16Array), name).toEqual(e.bits);
      else if (t.dtype === 'I64') expect(Array.from(t.data as BigInt64Array, String), name).toEqual(e.values);
      else expect(Array.from(t.data as Int32Array | Uint8Array), name).toEqual(e.values);
    }
  });

  it('converts F16 and BF16 to the float values numpy has', () => {
    const f16 = float16BitsToFloat32Array(decoded.tensors['half/f16']!.data as Uint16Array);
    expect(Array.from(f16)).toEqual(expected.tensors['half/f16']!.values!.map(num));
    const bf16 = bfloat16BitsToFloat32Array(decoded.tensors['half/bf16']!.data as Uint16Array);
    expect(Array.from(bf16)).toEqual(expected.tensors['half/bf16']!.values!.map(num));
  });
});

describeBackends('toTfTensor', () => {
  it('makes float32 tensors from F32/F16/BF16 and int32 from I32/U8/I64, with the shape', async () => {
    const { tensors } = decodeSafetensors(await encodeSafetensors(ALL_DTYPES));
    const expectT = (name: string, dtype: string, values: number[]): void => {
      const t = toTfTensor(tensors[name]!, name);
      expect(t.dtype, name).toBe(dtype);
      expect(t.shape, name).toEqual(ALL_DTYPES[name]!.shape);
      expect(Array.from(t.dataSync()), name).toEqual(values);
      t.dispose();
    };
    expectT('f16', 'float32', [1, -0, Infinity, 2 ** -24]);
    expectT('bf16', 'float32', [1, -Infinity]);
    expectT('u8', 'int32', [0, 128, 255]);
    expectT('i32', 'int32', [-2147483648, 2147483647, 0]);
    expectT('scalar', 'int32', [-5]);
    const small = toTfTensor({ dtype: 'I64', shape: [2], data: BigInt64Array.of(-3n, 2147483647n) });
    expect(Array.from(small.dataSync())).toEqual([-3, 2147483647]);
    small.dispose();
    expect(() => toTfTensor(tensors.i64!, 'i64')).toThrow(/"i64" is I64 and element 0 \(-9223372036854775808\) does not fit in int32/);
  });

  it('encodes tfjs tensors (float32 → F32, int32 → I32) and round-trips them', async () => {
    const a = tf.tensor2d([[1.25, -2], [3, 4]]);
    const b = tf.tensor1d([7, -8], 'int32');
    const { tensors } = decodeSafetensors(await encodeSafetensors({ a, b }));
    expect(tensors.a).toEqual({ dtype: 'F32', shape: [2, 2], data: Float32Array.of(1.25, -2, 3, 4) });
    expect(tensors.b).toEqual({ dtype: 'I32', shape: [2], data: Int32Array.of(7, -8) });
    const bool = tf.tensor1d([1, 0], 'bool');
    await expect(encodeSafetensors({ bool })).rejects.toThrow(/"bool" has tfjs dtype bool.*tf.cast/);
    tf.dispose([a, b, bool]);
  });

  it('encode and toTfTensor leak no tensors', async () => {
    const a = tf.ones([3, 2]);
    await expectNoLeak(async () => {
      await encodeSafetensors({ a });
    }, 'encodeSafetensors');
    await expectNoLeak(() => toTfTensor({ dtype: 'BF16', shape: [2], data: Uint16Array.of(0x3f80, 0) }), 'toTfTensor');
    a.dispose();
  });
});

const good = await encodeSafetensors({ a: ALL_DTYPES.f32!, b: ALL_DTYPES.u8! }, { k: 'v' });

describe('decodeSafetensors rejects malformed bytes with an error naming the source and the problem', () => {
  const f32 = (n: number): Uint8Array => new Uint8Array(n * 4);
  const cases: [string, Uint8Array, RegExp][] = [
    ['fewer than 8 bytes', good.subarray(0, 5), /is 5 bytes long, shorter than the 8-byte header-length prefix/],
    ['a header length beyond the file', good.subarray(0, 40), /header length prefix says \d+ bytes but only 32 follow it/],
    ['a truncated data section', good.subarray(0, good.length - 1), /tensor "\w": data_offsets \[\d+, \d+\] run past the end of the \d+-byte data section/],
    ['a header that is not JSON', rawFile(null, undefined, { headerText: '{"a": {"dtype": "F32",' }), /the header is not valid JSON/],
    ['a header that does not start with {', rawFile(null, undefined, { headerText: '[1, 2]' }), /does not start with "\{"/],
    ['a header that is not UTF-8', (() => { const b = rawFile(null, undefined, { headerText: '{"a" }' }); b[10] = 0xff; return b; })(), /not valid UTF-8/],
    ['an unknown dtype', rawFile({ a: { dtype: 'F33', shape: [1], data_offsets: [0, 4] } }, f32(1)), /tensor "a": unknown dtype "F33".*Supported dtypes: F32, F16, BF16, I32, I64, U8/],
    ['an unsupported spec dtype', rawFile({ a: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }, f32(2)), /dtype F64 is valid safetensors but not supported/],
    ['a bad shape', rawFile({ a: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } }, f32(1)), /shape \[1.5\] is not a list of integers/],
    ['offsets not matching shape × dtype', rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, f32(1)), /span 4 bytes but shape \[2\] of F32 needs 8/],
    ['offsets reversed', rawFile({ a: { dtype: 'F32', shape: [0], data_offsets: [4, 0] } }, f32(1)), /ends before it begins/],
    ['offsets out of range', rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32(1)), /run past the end of the 4-byte data section/],
    [
      'overlapping tensors',
      rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32(2)),
      /tensor "b": data_offsets \[4, 8\] overlap tensor "a"/,
    ],
    ['a gap between tensors', rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32(2)), /start at 4 but the previous tensor ends at 0, leaving 4 unaccounted bytes/],
    ['trailing bytes', rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32(2)), /cover 4 of the 8 bytes after the header.*rejects trailing bytes/],
    ['non-string metadata', rawFile({ __metadata__: { step: 3 } }), /metadata "step" is 3, not a string/],
    ['unknown entry keys', rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4], extra: 1 } }, f32(1)), /unknown header key\(s\) "extra"/],
    ['an entry that is not an object', rawFile({ a: 3 }), /tensor "a": its header entry is not an object/],
    ['malformed offsets', rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0] } }, f32(1)), /data_offsets \[0\] is not a pair of integers/],
  ];
  for (const [what, bytes, message] of cases) {
    it(what, () => {
      let err: unknown;
      try {
        decodeSafetensors(bytes, { source: '/tmp/model.safetensors' });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SafetensorsError);
      expect((err as Error).message).toMatch(/^safetensors file "\/tmp\/model.safetensors": /);
      expect((err as Error).message).toMatch(message);
    });
  }

  it('names "safetensors bytes" when no source is given, and accepts the intact file', () => {
    expect(() => decodeSafetensors(good.subarray(0, 3))).toThrow(/^safetensors bytes: it is 3 bytes long/);
    expect(Object.keys(decodeSafetensors(good).tensors)).toEqual(['a', 'b']);
  });

  it('reads from a pooled Node Buffer (a view into a larger ArrayBuffer at an odd offset)', async () => {
    Buffer.from('x'); // make sure the pool is in use
    const buf = Buffer.from(await encodeSafetensors({ a: ALL_DTYPES.f32!, big: ALL_DTYPES.i64! }));
    expect(buf.buffer.byteLength).toBeGreaterThan(buf.length);
    const { tensors } = decodeSafetensors(buf);
    expect(bitsOf(tensors.a!.data as Float32Array)).toEqual(bitsOf(ALL_DTYPES.f32!.data as Float32Array));
    expect(Array.from(tensors.big!.data as BigInt64Array)).toEqual(Array.from(ALL_DTYPES.i64!.data as BigInt64Array));
  });

  it('accepts a header with no padding, a header length that is not a multiple of 8, and reads from a subarray', () => {
    const bytes = rawFile({ a: { dtype: 'U8', shape: [3], data_offsets: [0, 3] } }, Uint8Array.of(1, 2, 3));
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expect(Array.from(decodeSafetensors(shifted.subarray(3)).tensors.a!.data as Uint8Array)).toEqual([1, 2, 3]);
  });
});
