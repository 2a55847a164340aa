/**
 * Writing safetensors bytes.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  assertLittleEndian,
  DTYPE_BYTES,
  isSafetensorsDtype,
  METADATA_KEY,
  SafetensorsError,
  type SafetensorsData,
  type SafetensorsDtype,
  type SafetensorsEntry,
} from './format.js';
import { float32ArrayToBfloat16Bits, float32ArrayToFloat16Bits } from './half-precision.js';

/** What {@link encodeSafetensors} takes per name: a tfjs tensor (float32 → F32, int32 → I32) or an entry. */
export type SafetensorsInput = SafetensorsEntry | tf.Tensor;

const ARRAY_TYPES: Record<SafetensorsDtype, string> = {
  F32: 'Float32Array',
  F16: 'Uint16Array (bits) or Float32Array (rounded to nearest even)',
  BF16: 'Uint16Array (bits) or Float32Array (rounded to nearest even)',
  I32: 'Int32Array',
  I64: 'BigInt64Array',
  U8: 'Uint8Array',
};

function isTensor(x: unknown): x is tf.Tensor {
  return x instanceof tf.Tensor || (typeof x === 'object' && x !== null && 'dataId' in x && 'shape' in x);
}

function fail(message: string): never {
  throw new SafetensorsError(`encodeSafetensors: ${message}`);
}

/** A tfjs tensor as the entry it is stored as (float32 → F32, int32 → I32), its values read with `await data()`. */
async function tensorEntry(name: string, input: tf.Tensor): Promise<SafetensorsEntry> {
  if (input.dtype !== 'float32' && input.dtype !== 'int32') {
    fail(
      `tensor "${name}" has tfjs dtype ${input.dtype}, which has no safetensors counterpart here; ` +
        "cast it (tf.cast(x, 'int32') or 'float32') or pass an entry { dtype, shape, data }.",
    );
  }
  const data = (await input.data()) as Float32Array | Int32Array;
  return { dtype: input.dtype === 'float32' ? 'F32' : 'I32', shape: [...input.shape], data };
}

/** Resolves one entry to a dtype, shape and the little-endian bytes of its elements. */
function prepare(name: string, input: SafetensorsEntry): { dtype: SafetensorsDtype; shape: number[]; bytes: Uint8Array } {
  if (typeof input !== 'object' || input === null || !isSafetensorsDtype(input.dtype)) {
    fail(
      `"${name}" must be a tf.Tensor or { dtype, shape, data } with dtype one of ${Object.keys(DTYPE_BYTES).join(', ')}; ` +
        `got dtype ${JSON.stringify((input as { dtype?: unknown } | null)?.dtype)}.`,
    );
  }
  const dtype: SafetensorsDtype = input.dtype;
  const shape = [...input.shape];
  let data: SafetensorsData = input.data;
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`"${name}" has an invalid shape [${shape.join(', ')}]; dimensions must be integers ≥ 0.`);
  const size = shape.reduce((a, b) => a * b, 1);
  if ((dtype === 'F16' || dtype === 'BF16') && data instanceof Float32Array) {
    data = dtype === 'F16' ? float32ArrayToFloat16Bits(data) : float32ArrayToBfloat16Bits(data);
  }
  const ok =
    (dtype === 'F32' && data instanceof Float32Array) ||
    ((dtype === 'F16' || dtype === 'BF16') && data instanceof Uint16Array) ||
    (dtype === 'I32' && data instanceof Int32Array) ||
    (dtype === 'I64' && data instanceof BigInt64Array) ||
    (dtype === 'U8' && data instanceof Uint8Array);
  if (!ok) fail(`"${name}" has dtype ${dtype}, so its data must be a ${ARRAY_TYPES[dtype]}; got ${data?.constructor?.name ?? typeof data}.`);
  if (data.length !== size) fail(`"${name}" has shape [${shape.join(', ')}] (${size} elements) but ${data.length} data elements.`);
  return { dtype, shape, bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/**
 * Serialises tensors (and optional string metadata) to safetensors bytes. Tensors are laid out largest element
 * size first, then by name, so every tensor's data is aligned to its element size; the header is padded with
 * spaces so that the data section starts at a multiple of 8 bytes. tfjs tensors are read with `await data()`, all at
 * once (one synchronisation on a GPU backend); the caller keeps owning them.
 *
 * @param tensors name → tensor (float32 → F32, int32 → I32) or `{ dtype, shape, data }` (F16/BF16 from float32
 *   data are rounded to nearest even)
 * @param metadata free-form string → string map, stored as `__metadata__`
 *
 * @example
 * const bytes = await encodeSafetensors({ 'blocks/0/w': w, ids: { dtype: 'I64', shape: [2], data: BigInt64Array.of(1n, 2n) } },
 *   { step: '1000' });
 */
export async function encodeSafetensors(tensors: Record<string, SafetensorsInput>, metadata: Record<string, string> = {}): Promise<Uint8Array> {
  assertLittleEndian('encodeSafetensors');
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') fail(`metadata "${k}" is a ${typeof v}; safetensors metadata values must be strings (use JSON.stringify).`);
  }
  const entries = await Promise.all(
    Object.entries(tensors).map(async ([name, input]): Promise<[string, SafetensorsEntry]> => {
      if (name === METADATA_KEY) fail(`"${METADATA_KEY}" is reserved for metadata and cannot name a tensor.`);
      return [name, isTensor(input) ? await tensorEntry(name, input) : input];
    }),
  );
  const prepared = entries.map(([name, input]) => ({ name, ...prepare(name, input) }));
  prepared.sort((a, b) => DTYPE_BYTES[b.dtype] - DTYPE_BYTES[a.dtype] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = { ...metadata };
  let offset = 0;
  for (const t of prepared) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.byteLength] };
    offset += t.bytes.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerLength / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const t of prepared) {
    out.set(t.bytes, at);
    at += t.bytes.byteLength;
  }
  return out;
}
