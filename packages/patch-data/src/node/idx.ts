/**
 * IDX files (the MNIST family: MNIST, Fashion-MNIST, KMNIST, EMNIST), plain or gzipped.
 *
 * Format: a big-endian header — two zero bytes, a type byte (only 0x08 = unsigned byte is supported), the number
 * of dimensions `k` — then `k` big-endian uint32 sizes, then the data, row-major. Image files have 3 dimensions
 * `[N, H, W]` (1 channel) or 4 `[N, H, W, C]`; label files have 1 dimension `[N]`. The file must hold exactly
 * `4 + 4k + ∏ sizes` bytes.
 *
 * @module
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { arrayDataset } from '../array-dataset.js';
import { DatasetError, type ImageDataset } from '../dataset.js';
import { readDatasetFile } from './read-file.js';

/** A parsed IDX file: its dimensions and a view of its data bytes (no copy). */
export interface IdxArray {
  /** Size of each dimension, outermost first. */
  readonly dims: number[];
  /** The element bytes, row-major (a view into the file's buffer). */
  readonly data: Uint8Array;
}

const TYPE_NAMES: Record<number, string> = { 0x08: 'ubyte', 0x09: 'byte', 0x0b: 'short', 0x0c: 'int', 0x0d: 'float', 0x0e: 'double' };

/**
 * Parses IDX bytes (already decompressed). Validates the magic number, the element type (ubyte), the number of
 * dimensions (`expectedRanks`) and the byte count.
 *
 * @param source the file name, for error messages
 */
export function parseIdx(bytes: Uint8Array, source: string, expectedRanks: readonly number[]): IdxArray {
  if (bytes.length < 4) {
    throw new DatasetError(`IDX file ${source}: expected at least a 4-byte header, found only ${bytes.length} bytes. The file is truncated.`);
  }
  const [z0, z1, type, rank] = [bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!];
  const magic = ((z0 << 24) | (z1 << 16) | (type << 8) | rank) >>> 0;
  if (z0 !== 0 || z1 !== 0 || !(type in TYPE_NAMES)) {
    throw new DatasetError(
      `IDX file ${source}: wrong magic number 0x${magic.toString(16).padStart(8, '0')}; expected 0x000008${expectedRanks
        .map((r) => r.toString(16).padStart(2, '0'))
        .join(' or 0x000008')} (two zero bytes, type byte, number of dimensions). This is not an IDX file.`,
    );
  }
  if (type !== 0x08) {
    throw new DatasetError(
      `IDX file ${source}: element type 0x${type.toString(16)} (${TYPE_NAMES[type]}) is not supported; expected 0x08 (unsigned bytes), as in MNIST-family files.`,
    );
  }
  if (!expectedRanks.includes(rank)) {
    throw new DatasetError(
      `IDX file ${source}: expected ${expectedRanks.join(' or ')} dimensions, found ${rank} (magic 0x${magic.toString(16).padStart(8, '0')}). ` +
        'Is this an images file given as labels, or the other way round?',
    );
  }
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new DatasetError(`IDX file ${source}: expected a ${headerBytes}-byte header for ${rank} dimensions, found only ${bytes.length} bytes. The file is truncated.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const found = bytes.length - headerBytes;
  if (found !== count) {
    throw new DatasetError(
      `IDX file ${source}: the header promises dimensions [${dims.join(', ')}] = ${count} data bytes, found ${found}` +
        (found < count ? ' — the file is truncated; download it again.' : ' — the file has trailing bytes; it is corrupt or not what its header says.'),
    );
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** Where {@link loadIdx} reads from: a folder with standard file names, or explicit paths. */
export type IdxSource =
  | {
      /** Folder holding the files under their standard names (`train-images-idx3-ubyte`, …, optionally gzipped). */
      readonly dir: string;
      /** Which split to read. */
      readonly split: 'train' | 'test';
      /** Whether a labels file must be present (default true); pretraining needs none. */
      readonly labels?: 'required' | 'optional';
    }
  | {
      /** Path of the images file. */
      readonly images: string;
      /** Path of the labels file; omit for unlabelled images. */
      readonly labels?: string;
    };

/** Options of {@link loadIdx}. */
export interface LoadIdxOptions {
  /** Dataset name (default: the images file path). */
  readonly name?: string;
  /** Class names indexed by label (e.g. Fashion-MNIST's). */
  readonly classNames?: readonly string[];
  /** Number of classes (default: max label + 1, or `classNames.length`). */
  readonly numClasses?: number;
  /**
   * Transpose every image (swap rows and columns) after reading. EMNIST stores its images transposed; pass `true`
   * for EMNIST files. Done in place, square images only.
   */
  readonly transpose?: boolean;
}

const IMAGE_RE = /^(?:.*-)?(train|t10k|test)-images-idx3-ubyte(?:\.gz)?$|^(?:.*-)?(train|t10k|test)-images\.idx3-ubyte(?:\.gz)?$/;

/** Finds the images and labels files of `split` in `dir` by their standard names. */
export async function findIdxFiles(dir: string, split: 'train' | 'test', labelsFile: 'required' | 'optional' = 'required'): Promise<{
  /** Path of the images file. */
  images: string;
  /** Path of the labels file, when found. */
  labels?: string;
}> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw new DatasetError(`IDX folder ${dir} cannot be read: ${(err as Error).message}. Check the path.`);
  }
  const wanted = split === 'train' ? ['train'] : ['t10k', 'test'];
  const images = names.filter((n) => {
    const m = IMAGE_RE.exec(n);
    return m !== null && wanted.includes((m[1] ?? m[2])!);
  });
  if (images.length === 0) {
    throw new DatasetError(
      `IDX folder ${dir}: expected a ${split} images file named ${split === 'train' ? 'train' : 't10k'}-images-idx3-ubyte (optionally .gz, ` +
        `optionally with a prefix such as emnist-letters-), found none among ${names.length} entries${names.length ? ` (${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''})` : ''}. ` +
        'Pass { images, labels } paths explicitly for other names.',
    );
  }
  if (images.length > 1) {
    throw new DatasetError(`IDX folder ${dir}: several ${split} images files match (${images.join(', ')}); pass { images, labels } paths explicitly.`);
  }
  const imageName = images[0]!;
  const candidates = [imageName.replace('-images-idx3-ubyte', '-labels-idx1-ubyte'), imageName.replace('-images.idx3-ubyte', '-labels.idx1-ubyte')];
  const gzToggled = candidates.flatMap((c) => (c.endsWith('.gz') ? [c, c.slice(0, -3)] : [c, `${c}.gz`]));
  const labels = gzToggled.find((c) => c !== imageName && names.includes(c));
  if (!labels) {
    if (labelsFile === 'optional') return { images: join(dir, imageName) };
    throw new DatasetError(
      `IDX folder ${dir}: found images file ${imageName} but no matching labels file (expected ${candidates[0]}); ` +
        'add it, or pass { images } alone to load the images unlabelled.',
    );
  }
  return { images: join(dir, imageName), labels: join(dir, labels) };
}

/**
 * Loads an IDX images file (and labels file) as an {@link ImageDataset}. The pixels are a view into the one
 * decompressed copy of the file.
 *
 * @example
 * const train = await loadIdx({ dir: '/usr/share/datasets/fashion-mnist', split: 'train' });   // 60 000 × 28×28×1
 */
export async function loadIdx(source: IdxSource, opts: LoadIdxOptions = {}): Promise<ImageDataset> {
  const paths = 'dir' in source ? await findIdxFiles(source.dir, source.split, source.labels) : source;
  const [imageBytes, labelBytes] = await Promise.all([
    readDatasetFile(paths.images, 'IDX images'),
    paths.labels === undefined ? Promise.resolve(undefined) : readDatasetFile(paths.labels, 'IDX labels'),
  ]);
  const images = parseIdx(imageBytes, paths.images, [3, 4]);
  const [n, height, width, channels = 1] = images.dims as [number, number, number, number?];
  if (n === 0 || height === 0 || width === 0 || channels === 0) {
    throw new DatasetError(
      `IDX file ${paths.images}: expected ${n === 0 ? 'at least one image' : 'non-empty images'}, found dimensions [${images.dims.join(', ')}]. Give a file with images in it.`,
    );
  }
  let labels: Uint8Array | undefined;
  if (labelBytes !== undefined && paths.labels !== undefined) {
    const parsed = parseIdx(labelBytes, paths.labels, [1]);
    if (parsed.dims[0] !== n) {
      throw new DatasetError(
        `IDX files ${paths.images} and ${paths.labels}: expected as many labels as images (${n}), found ${parsed.dims[0]} labels.`,
      );
    }
    labels = parsed.data;
  }
  if (opts.transpose) {
    if (height !== width) {
      throw new DatasetError(`IDX file ${paths.images}: transpose needs square images, found ${height}×${width}.`);
    }
    transposeInPlace(images.data, n, height, channels);
  }
  const name = opts.name ?? ('dir' in source ? `idx:${source.dir}/${source.split}` : `idx:${paths.images}`);
  try {
    return arrayDataset({
      name,
      images: images.data,
      height,
      width,
      channels,
      ...(labels ? { labels } : {}),
      ...(opts.numClasses !== undefined ? { numClasses: opts.numClasses } : {}),
      ...(opts.classNames ? { classNames: opts.classNames } : {}),
    });
  } catch (err) {
    throw new DatasetError(`IDX files ${paths.images}${paths.labels ? ` / ${paths.labels}` : ''}: ${(err as Error).message}`);
  }
}

function transposeInPlace(data: Uint8Array, n: number, side: number, channels: number): void {
  const per = side * side * channels;
  for (let i = 0; i < n; i++) {
    const base = i * per;
    for (let y = 0; y < side; y++) {
      for (let x = y + 1; x < side; x++) {
        for (let c = 0; c < channels; c++) {
          const a = base + (y * side + x) * channels + c;
          const b = base + (x * side + y) * channels + c;
          const t = data[a]!;
          data[a] = data[b]!;
          data[b] = t;
        }
      }
    }
  }
}
