/**
 * One string names any dataset: `'mnist'` (the embedded digits), `'idx:DIR'`, `'cifar10:DIR'`, `'cifar100:DIR'`,
 * `'folder:DIR'`.
 *
 * @module
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { didYouMean } from '@darl/tensor-backend';
import { DatasetError, type ImageDataset } from '../dataset.js';
import { loadEmbeddedDigits } from '../embedded-digits.js';
import { resizedDataset } from '../resized-dataset.js';
import { loadCifar } from './cifar.js';
import { loadIdx } from './idx.js';
import { loadImageFolder } from './image-folder.js';

/** A dataset spec: `'mnist'`, `'idx:DIR'`, `'cifar10:DIR'`, `'cifar100:DIR'` or `'folder:DIR'`. */
export type DatasetSpec = 'mnist' | `idx:${string}` | `cifar10:${string}` | `cifar100:${string}` | `folder:${string}`;

/** One dataset kind of {@link DATASET_KINDS}. */
export interface DatasetKind {
  /** Whether the spec names a folder (`kind:DIR`) or stands alone (`mnist`). */
  readonly takesDir: boolean;
  /** The images' shape when every dataset of this kind has the same one (lets a config be checked before loading). */
  readonly imageShape?: {
    /** Height H in pixels. */
    readonly height: number;
    /** Width W in pixels. */
    readonly width: number;
    /** Channels C per pixel. */
    readonly channels: number;
  };
  /** Opens the split (before any resizing or channel conversion). */
  open(dir: string, opts: OpenDatasetOptions): Promise<ImageDataset>;
}

/** Options of {@link openDataset}. */
export interface OpenDatasetOptions {
  /** Which split to open. */
  readonly split: 'train' | 'test';
  /**
   * Image size: folders are decoded at this size; other datasets are resized on read (cover + centre crop, area
   * filter when shrinking, bilinear when enlarging) when their native size differs.
   */
  readonly size?: number;
  /** Image folders only: 1, 3 (default) or 4 channels. */
  readonly channels?: 1 | 3 | 4;
  /** IDX folders: whether a labels file must be present (default 'required'; pretraining passes 'optional'). */
  readonly labels?: 'required' | 'optional';
}

/** How each dataset kind is spelled in a spec, e.g. `['mnist', 'idx:DIR', …]` (for usage and error messages). */
export function datasetSpecForms(): string[] {
  return Object.entries(DATASET_KINDS).map(([kind, e]) => (e.takesDir ? `${kind}:DIR` : kind));
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Dataset kind → loader. A new kind is one loader file plus one line here.
 */
export const DATASET_KINDS: Readonly<Record<string, DatasetKind>> = {
  mnist: { takesDir: false, imageShape: { height: 28, width: 28, channels: 1 }, open: (_dir, { split }) => loadEmbeddedDigits({ split }) },
  idx: { takesDir: true, open: (dir, { split, labels }) => loadIdx({ dir, split, ...(labels ? { labels } : {}) }) },
  cifar10: { takesDir: true, imageShape: { height: 32, width: 32, channels: 3 }, open: (dir, { split }) => loadCifar({ variant: 10, dir, split }) },
  cifar100: { takesDir: true, imageShape: { height: 32, width: 32, channels: 3 }, open: (dir, { split }) => loadCifar({ variant: 100, dir, split }) },
  folder: { takesDir: true, open: openFolder },
};

async function openFolder(dir: string, opts: OpenDatasetOptions): Promise<ImageDataset> {
  const candidates = opts.split === 'train' ? ['train'] : ['test', 'val'];
  let chosen: string | undefined;
  for (const c of candidates) if (await isDir(join(dir, c))) chosen = chosen ?? join(dir, c);
  if (!chosen) {
    if (opts.split === 'test') {
      throw new DatasetError(`openDataset: image folder ${dir} has no test/ or val/ sub-folder, so it has no test split. Add one, or use split "train".`);
    }
    chosen = dir;
  }
  return loadImageFolder({
    dir: chosen,
    ...(opts.size !== undefined ? { size: opts.size } : {}),
    ...(opts.channels !== undefined ? { channels: opts.channels } : {}),
  });
}

function parseSpec(spec: string): { kind: string; dir: string; entry: DatasetKind } {
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const dir = colon < 0 ? '' : spec.slice(colon + 1);
  const entry = Object.hasOwn(DATASET_KINDS, kind) ? DATASET_KINDS[kind] : undefined;
  if (!entry) {
    throw new DatasetError(
      `openDataset: unknown dataset spec "${spec}"; use ${datasetSpecForms().join(', ')}.${didYouMean(kind, Object.keys(DATASET_KINDS))}`,
    );
  }
  if (colon >= 0 && dir === '') throw new DatasetError(`openDataset: "${spec}" names no folder; write ${kind}:DIR.`);
  if (!entry.takesDir && colon >= 0) throw new DatasetError(`openDataset: "${kind}" takes no folder (it is embedded); use idx:DIR for MNIST files.`);
  if (entry.takesDir && colon < 0) throw new DatasetError(`openDataset: "${spec}" names no folder; write ${kind}:DIR.`);
  return { kind, dir, entry };
}

/**
 * The image shape `openDataset(spec, opts)` will return when it is known without reading anything (a kind of fixed
 * shape, or `opts.size`/`opts.channels` given), else undefined. Throws a DatasetError for a malformed spec.
 */
export function knownImageShape(spec: string, opts: Pick<OpenDatasetOptions, 'size' | 'channels'> = {},
):
  | {
      /** Height H in pixels. */
      height: number;
      /** Width W in pixels. */
      width: number;
      /** Channels C per pixel. */
      channels: number;
    }
  | undefined {
  const { kind, entry } = parseSpec(spec);
  const channels = kind === 'folder' ? (opts.channels ?? 3) : entry.imageShape?.channels;
  if (opts.size !== undefined && channels !== undefined) return { height: opts.size, width: opts.size, channels };
  return entry.imageShape;
}

/**
 * Opens a dataset by spec (kinds: {@link DATASET_KINDS}). For `folder:DIR`, the split's sub-folder `DIR/train` or
 * `DIR/test` (also `DIR/val` for test) is used when it exists; otherwise `DIR` itself serves as the train split and
 * asking for `test` is an error.
 *
 * @example
 * const ds = await openDataset('idx:/usr/share/datasets/fashion-mnist', { split: 'train' });
 */
export async function openDataset(spec: DatasetSpec | string, opts: OpenDatasetOptions): Promise<ImageDataset> {
  const { split } = opts;
  if (split !== 'train' && split !== 'test') throw new DatasetError(`openDataset: split must be "train" or "test", got ${JSON.stringify(split)}.`);
  if (opts.size !== undefined && (!Number.isInteger(opts.size) || opts.size <= 0)) {
    throw new DatasetError(`openDataset: size must be a positive integer, got ${String(opts.size)}.`);
  }
  const { kind, dir, entry } = parseSpec(spec);
  const ds = await entry.open(dir, opts);
  if (opts.channels !== undefined && kind !== 'folder' && opts.channels !== ds.channels) {
    throw new DatasetError(`openDataset: ${spec} has ${ds.channels} channel(s); converting to ${opts.channels} is supported for image folders only.`);
  }
  return opts.size !== undefined ? resizedDataset(ds, opts.size) : ds;
}
