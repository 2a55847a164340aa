/**
 * Reading safetensors bytes, validating everything.
 *
 * @module
 */
import {
  assertLittleEndian,
  DTYPE_BYTES,
  isSafetensorsDtype,
  MAX_HEADER_BYTES,
  METADATA_KEY,
  SafetensorsError,
  UNSUPPORTED_DTYPES,
  type SafetensorsData,
  type SafetensorsEntry,
} from './format.js';

/** What {@link decodeSafetensors} returns. */
export interface DecodedSafetensors {
  /** Tensors by name, in the order of the file's header. */
  readonly tensors: Record<string, SafetensorsEntry>;
  /** The `__metadata__` map (empty when absent). */
  readonly metadata: Record<string, string>;
}

const ENTRY_KEYS = ['dtype', 'shape', 'data_offsets'];

function copyData(dtype: SafetensorsEntry['dtype'], bytes: Uint8Array): SafetensorsData {
  // A fresh copy: aligned, independent of the caller's bytes (a Node Buffer's slice() would be a view of its pool).
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  const buffer = copy.buffer;
  switch (dtype) {
    case 'F32':
      return new Float32Array(buffer);
    case 'F16':
    case 'BF16':
      return new Uint16Array(buffer);
    case 'I32':
      return new Int32Array(buffer);
    case 'I64':
      return new BigInt64Array(buffer);
    case 'U8':
      return new Uint8Array(buffer);
  }
}

/**
 * Parses safetensors bytes. Everything is validated, and a problem throws a {@link SafetensorsError} naming the
 * source and what is wrong: fewer than 8 bytes, a header length beyond the file, a header that is not UTF-8 JSON
 * or not an object, an unknown or unsupported dtype, a bad shape, `data_offsets` out of range, overlapping, leaving
 * gaps, or not matching shape × dtype size, and non-string metadata.
 *
 * Trailing bytes: the tensors must cover the data section exactly, as the reference implementation requires, so
 * bytes after the last tensor are an error (a file with appended garbage is rejected, not silently truncated).
 * Unknown keys in a tensor's header entry are rejected too.
 *
 * The returned arrays are copies (the input can be reused).
 *
 * @param bytes the whole file
 * @param opts.source what the bytes are, for error messages (e.g. the file path)
 */
export function decodeSafetensors(bytes: Uint8Array, opts: { source?: string } = {}): DecodedSafetensors {
  assertLittleEndian('decodeSafetensors');
  const source = opts.source === undefined ? 'safetensors bytes' : `safetensors file ${JSON.stringify(opts.source)}`;
  const fail: (problem: string, hint?: string) => never = (problem, hint = 'The file is truncated or not a safetensors file; re-create it.') => {
    throw new SafetensorsError(`${source}: ${problem}. ${hint}`);
  };
  if (!(bytes instanceof Uint8Array)) fail(`expected a Uint8Array, got ${(bytes as unknown)?.constructor?.name ?? typeof bytes}`, 'Pass the file contents as bytes.');
  if (bytes.length < 8) fail(`it is ${bytes.length} bytes long, shorter than the 8-byte header-length prefix`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (headerLength > bytes.length - 8) {
    fail(`the header length prefix says ${headerLength} bytes but only ${bytes.length - 8} follow it`);
  }
  if (headerLength > MAX_HEADER_BYTES) fail(`the header is ${headerLength} bytes, more than the ${MAX_HEADER_BYTES}-byte limit`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    return fail('the header is not valid UTF-8');
  }
  if (!text.startsWith('{')) fail(`the header does not start with "{" (it starts with ${JSON.stringify(text.slice(0, 16))})`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    return fail(`the header is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('the header is not a JSON object');

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafetensorsEntry['dtype']; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(`"${METADATA_KEY}" is not an object of strings`);
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`metadata "${k}" is ${JSON.stringify(v)}, not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const where = `tensor "${name}"`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(`${where}: its header entry is not an object`);
    const entry = raw as Record<string, unknown>;
    const extra = Object.keys(entry).filter((k) => !ENTRY_KEYS.includes(k));
    if (extra.length > 0) fail(`${where}: unknown header key(s) ${extra.map((k) => `"${k}"`).join(', ')} (expected ${ENTRY_KEYS.join(', ')})`);
    const { dtype, shape, data_offsets: offsets } = entry;
    if (!isSafetensorsDtype(dtype)) {
      const known = typeof dtype === 'string' && UNSUPPORTED_DTYPES.includes(dtype);
      fail(
        `${where}: ${known ? `dtype ${dtype} is valid safetensors but not supported by darl` : `unknown dtype ${JSON.stringify(dtype)}`}`,
        `Supported dtypes: ${Object.keys(DTYPE_BYTES).join(', ')}; convert the tensor before saving.`,
      );
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      fail(`${where}: shape ${JSON.stringify(shape)} is not a list of integers ≥ 0`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)) {
      fail(`${where}: data_offsets ${JSON.stringify(offsets)} is not a pair of integers ≥ 0`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end) fail(`${where}: data_offsets [${begin}, ${end}] ends before it begins`);
    if (end > dataLength) fail(`${where}: data_offsets [${begin}, ${end}] run past the end of the ${dataLength}-byte data section`);
    const elements = (shape as number[]).reduce((a, b) => a * b, 1);
    const expected = elements * DTYPE_BYTES[dtype];
    if (end - begin !== expected) {
      fail(
        `${where}: data_offsets [${begin}, ${end}] span ${end - begin} bytes but shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${expected}`,
      );
    }
    entries.push({ name, dtype, shape: shape as number[], begin, end });
  }
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: string | null = null;
  for (const e of byOffset) {
    if (e.begin < covered) fail(`tensor "${e.name}": data_offsets [${e.begin}, ${e.end}] overlap tensor "${previous}" (which ends at ${covered})`);
    if (e.begin > covered) fail(`tensor "${e.name}": data_offsets start at ${e.begin} but the previous tensor ends at ${covered}, leaving ${e.begin - covered} unaccounted bytes`);
    covered = e.end;
    previous = e.name;
  }
  if (covered !== dataLength) {
    fail(
      `the tensors cover ${covered} of the ${dataLength} bytes after the header; the remaining ${dataLength - covered} bytes belong to no tensor`,
      'darl, like the reference implementation, rejects trailing bytes; the file was probably appended to or written incorrectly.',
    );
  }
  const tensors: Record<string, SafetensorsEntry> = {};
  for (const e of entries) {
    tensors[e.name] = { dtype: e.dtype, shape: e.shape, data: copyData(e.dtype, bytes.subarray(dataStart + e.begin, dataStart + e.end)) };
  }
  return { tensors, metadata };
}
