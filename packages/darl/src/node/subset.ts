/**
 * A seeded random subset of a dataset (for `--max-train` / `--max-test`), as a dataset view without copying pixels.
 *
 * @module
 */
import type { ImageDataset } from '@darl/patch-data';
import { Rng } from '@darl/tensor-backend';

/** Up to `count` images of `data`, chosen by a seeded permutation and kept in index order. */
export function subsetDataset(data: ImageDataset, count: number | undefined, seed: number): ImageDataset {
  if (count === undefined || count >= data.size) return data;
  const chosen = Int32Array.from(new Rng(seed).fork('subset').permutation(data.size).subarray(0, count)).sort();
  return {
    height: data.height,
    width: data.width,
    channels: data.channels,
    numClasses: data.numClasses,
    ...(data.classNames ? { classNames: data.classNames } : {}),
    name: `${data.name} (${count} of ${data.size})`,
    size: count,
    label: (i: number) => data.label(chosen[i]!),
    readInto: (i: number, out: Uint8Array, offset: number) => data.readInto(chosen[i]!, out, offset),
  };
}
