/**
 * CIFAR-10 and CIFAR-100 in their binary ("-bin") distributions.
 *
 * CIFAR-10 (`cifar-10-batches-bin/`): `data_batch_1.bin` … `data_batch_5.bin` (train, 50 000) and `test_batch.bin`
 * (10 000); each record is 1 label byte + 3 072 pixel bytes (1 024 red, 1 024 green, 1 024 blue, each a row-major
 * 32×32 plane). Class names from `batches.meta.txt` when present.
 * CIFAR-100 (`cifar-100-binary/`): `train.bin` (50 000) and `test.bin` (10 000); each record is a coarse label byte,
 * a fine label byte, then 3 072 pixel bytes. Class names from `fine_label_names.txt` / `coarse_label_names.txt`.
 * Pixels are converted from planar CHW to HWC while reading, into one buffer for the whole split.
 *
 * @module
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { arrayDataset } from '../array-dataset.js';
import { DatasetError, type ImageDataset } from '../dataset.js';
import { readDatasetFile } from './read-file.js';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const PIXELS = 3 * PLANE;

/** Options of {@link loadCifar}. */
export interface LoadCifarOptions {
  /** 10 for CIFAR-10, 100 for CIFAR-100. */
  readonly variant: 10 | 100;
  /** The `-bin` folder, or a folder containing `cifar-10-batches-bin` / `cifar-100-binary`. */
  readonly dir: string;
  /** Which split to read. */
  readonly split: 'train' | 'test';
  /** CIFAR-100 only: the 100 fine labels (default) or the 20 coarse superclass labels. */
  readonly labels?: 'fine' | 'coarse';
  /** Explicit batch file names inside the folder, instead of the standard ones for `split`. */
  readonly files?: readonly string[];
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function readNames(path: string): Promise<string[] | undefined> {
  try {
    const text = await readFile(path, 'utf8');
    return text.split(/\r?\n/).map((s) => s.trim()).filter((s) => s.length > 0);
  } catch {
    return undefined;
  }
}

/**
 * Loads a CIFAR-10 or CIFAR-100 binary split as an {@link ImageDataset} of 32×32×3 images.
 *
 * @example
 * const test = await loadCifar({ variant: 10, dir: 'data/cifar-10-batches-bin', split: 'test' });
 */
export async function loadCifar(opts: LoadCifarOptions): Promise<ImageDataset> {
  const { variant, split } = opts;
  if (variant !== 10 && variant !== 100) throw new DatasetError(`loadCifar: variant must be 10 or 100, got ${String(variant)}.`);
  if (split !== 'train' && split !== 'test') throw new DatasetError(`loadCifar: split must be "train" or "test", got ${JSON.stringify(split)}.`);
  const labelKind = opts.labels ?? 'fine';
  if (variant === 10 && opts.labels === 'coarse') throw new DatasetError('loadCifar: coarse labels exist only for CIFAR-100.');
  const sub = variant === 10 ? 'cifar-10-batches-bin' : 'cifar-100-binary';
  const dir = (await isDir(join(opts.dir, sub))) ? join(opts.dir, sub) : opts.dir;
  if (!(await isDir(dir))) throw new DatasetError(`loadCifar: CIFAR-${variant} folder ${opts.dir} does not exist or is not a folder.`);
  const files =
    opts.files ??
    (variant === 10
      ? split === 'train'
        ? ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin']
        : ['test_batch.bin']
      : [`${split}.bin`]);
  const labelBytes = variant === 10 ? 1 : 2;
  const record = labelBytes + PIXELS;
  // Sizes first, so that one buffer for all images can be allocated up front.
  const present = new Set(await readdir(dir));
  const sizes: number[] = [];
  for (const f of files) {
    const path = join(dir, f);
    if (!present.has(f)) {
      throw new DatasetError(`CIFAR-${variant} ${split} file ${path} is missing; expected ${files.join(', ')} in ${dir}.`);
    }
    const size = (await stat(path)).size;
    if (size === 0 || size % record !== 0) {
      throw new DatasetError(
        `CIFAR-${variant} file ${path}: expected a whole number of ${record}-byte records (${labelBytes} label byte${labelBytes > 1 ? 's' : ''} + 3072 pixels), ` +
          `found ${size} bytes (${Math.floor(size / record)} records and ${size % record} bytes left over). The file is truncated or not a CIFAR-${variant} binary batch.`,
      );
    }
    sizes.push(size / record);
  }
  const total = sizes.reduce((a, b) => a + b, 0);
  const images = new Uint8Array(total * PIXELS);
  const labels = new Uint8Array(total);
  const numClasses = variant === 10 ? 10 : labelKind === 'coarse' ? 20 : 100;
  const labelOffset = variant === 10 ? 0 : labelKind === 'coarse' ? 0 : 1;
  let k = 0;
  for (let f = 0; f < files.length; f++) {
    const path = join(dir, files[f]!);
    const bytes = await readDatasetFile(path, `CIFAR-${variant}`);
    if (bytes.length !== sizes[f]! * record) {
      throw new DatasetError(`CIFAR-${variant} file ${path}: expected ${sizes[f]! * record} bytes, found ${bytes.length}; it changed while being read.`);
    }
    for (let r = 0; r < sizes[f]!; r++, k++) {
      const base = r * record;
      const label = bytes[base + labelOffset]!;
      if (label >= numClasses) {
        throw new DatasetError(
          `CIFAR-${variant} file ${path}: record ${r} has ${variant === 100 ? `${labelKind} ` : ''}label ${label}, expected 0…${numClasses - 1}. The file is corrupt or not a CIFAR-${variant} batch.`,
        );
      }
      labels[k] = label;
      const src = base + labelBytes;
      const dst = k * PIXELS;
      for (let p = 0; p < PLANE; p++) {
        images[dst + 3 * p] = bytes[src + p]!;
        images[dst + 3 * p + 1] = bytes[src + PLANE + p]!;
        images[dst + 3 * p + 2] = bytes[src + 2 * PLANE + p]!;
      }
    }
  }
  const namesFile = variant === 10 ? 'batches.meta.txt' : labelKind === 'coarse' ? 'coarse_label_names.txt' : 'fine_label_names.txt';
  const names = await readNames(join(dir, namesFile));
  return arrayDataset({
    name: `cifar${variant}:${dir}/${split}`,
    images,
    height: SIDE,
    width: SIDE,
    channels: 3,
    labels,
    numClasses,
    ...(names && names.length === numClasses ? { classNames: names } : {}),
  });
}
