/**
 * One string names any dataset: `'mnist'` (the embedded digits), `'idx:DIR'`, `'cifar10:DIR'`, `'cifar100:DIR'`,
 * `'folder:DIR'`.
 *
 * @module
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DatasetError, type ImageDataset } from '../dataset.js';
import { loadEmbeddedDigits } from '../embedded-digits.js';
import { resizedDataset } from '../resized-dataset.js';
import { loadCifar } from './cifar.js';
import { loadIdx } from './idx.js';
import { loadImageFolder } from './image-folder.js';

/** A dataset spec: `'mnist'`, `'idx:DIR'`, `'cifar10:DIR'`, `'cifar100:DIR'` or `'folder:DIR'`. */
export type DatasetSpec = 'mnist' | `idx:${string}` | `cifar10:${string}` | `cifar100:${string}` | `folder:${string}`;

/** Options of {@link openDataset}. */
export interface OpenDatasetOptions {
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

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Opens a dataset by spec. For `folder:DIR`, the split's sub-folder `DIR/train` or `DIR/test` (also `DIR/val`
 * for test) is used when it exists; otherwise `DIR` itself serves as the train split and asking for `test` is an
 * error.
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
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const dir = colon < 0 ? '' : spec.slice(colon + 1);
  if (colon >= 0 && dir === '') throw new DatasetError(`openDataset: "${spec}" names no folder; write ${kind}:DIR.`);
  let ds: ImageDataset;
  switch (kind) {
    case 'mnist':
      if (colon >= 0) throw new DatasetError(`openDataset: "mnist" takes no folder (it is embedded); use idx:DIR for MNIST files.`);
      ds = await loadEmbeddedDigits({ split });
      break;
    case 'idx':
      ds = await loadIdx({ dir, split, ...(opts.labels ? { labels: opts.labels } : {}) });
      break;
    case 'cifar10':
      ds = await loadCifar({ variant: 10, dir, split });
      break;
    case 'cifar100':
      ds = await loadCifar({ variant: 100, dir, split });
      break;
    case 'folder': {
      const candidates = split === 'train' ? ['train'] : ['test', 'val'];
      let chosen: string | undefined;
      for (const c of candidates) if (await isDir(join(dir, c))) chosen = chosen ?? join(dir, c);
      if (!chosen) {
        if (split === 'test') {
          throw new DatasetError(`openDataset: image folder ${dir} has no test/ or val/ sub-folder, so it has no test split. Add one, or use split "train".`);
        }
        chosen = dir;
      }
      ds = await loadImageFolder({
        dir: chosen,
        ...(opts.size !== undefined ? { size: opts.size } : {}),
        ...(opts.channels !== undefined ? { channels: opts.channels } : {}),
      });
      break;
    }
    default:
      throw new DatasetError(`openDataset: unknown dataset spec "${spec}"; use mnist, idx:DIR, cifar10:DIR, cifar100:DIR or folder:DIR.`);
  }
  if (opts.channels !== undefined && kind !== 'folder' && opts.channels !== ds.channels) {
    throw new DatasetError(`openDataset: ${spec} has ${ds.channels} channel(s); converting to ${opts.channels} is supported for image folders only.`);
  }
  return opts.size !== undefined ? resizedDataset(ds, opts.size) : ds;
}
