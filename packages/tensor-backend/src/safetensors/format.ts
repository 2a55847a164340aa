/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian unsigned header
 * length N, N bytes of UTF-8 JSON header, then the data section. The header maps each tensor name to
 * `{ "dtype", "shape", "data_offsets": [begin, end] }` (byte offsets into the data section) and may hold
 * `"__metadata__"`, a map of strings to strings. The tensors' byte ranges tile the data section exactly.
 *
 * @module
 */
import { UserError } from '../user-error.js';

/** The safetensors dtypes darl reads and writes. */
export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'I32' | 'I64' | 'U8';

/**
 * The array type holding each dtype's elements: F32 `Float32Array`, F16 and BF16 `Uint16Array` (raw 16-bit
 * patterns; see `float16BitsToFloat32Array`), I32 `Int32Array`, I64 `BigInt64Array`, U8 `Uint8Array`.
 */
export type SafetensorsData = Float32Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array;

/** One tensor of a safetensors file: dtype, shape (row-major) and its elements. */
export interface SafetensorsEntry {
  /** Element type as the file names it (`F32`, `I32`, ...). */
  readonly dtype: SafetensorsDtype;
  /** Dimensions, row-major. */
  readonly shape: readonly number[];
  /** The elements, in the array type of `dtype`. */
  readonly data: SafetensorsData;
}

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Readonly<Record<SafetensorsDtype, number>> = { F32: 4, F16: 2, BF16: 2, I32: 4, I64: 8, U8: 1 };

/** Dtypes of the safetensors specification that darl does not read or write. */
export const UNSUPPORTED_DTYPES: readonly string[] = ['BOOL', 'I8', 'I16', 'U16', 'U32', 'U64', 'F64', 'F8_E4M3', 'F8_E5M2'];

/** Header key of the metadata map. */
export const METADATA_KEY = '__metadata__';

/** Largest header accepted when reading (the reference implementation's limit). */
export const MAX_HEADER_BYTES = 100_000_000;

/** Raised for bytes that are not a valid safetensors file, or for tensors that cannot be written as one. */
export class SafetensorsError extends UserError {
  /** The error's class name, `'SafetensorsError'`. */
  override readonly name = 'SafetensorsError';
}

/** Whether the platform stores typed arrays little-endian (every mainstream JS engine does). */
export function assertLittleEndian(where: string): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    throw new SafetensorsError(`${where}: this platform is big-endian; darl's safetensors code supports little-endian platforms only.`);
  }
}

/** Whether `x` names one of the dtypes darl reads and writes. */
export function isSafetensorsDtype(x: unknown): x is SafetensorsDtype {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_BYTES, x);
}
