/**
 * A dataset view over chosen indices of another (a held-out split of the training images), without copying pixels.
 */
import type { ImageDataset } from '@darl/patch-data';

/** The images `indices` of `data`, in that order, named `"<data's name> (<part>, <count>)"`. */
export function indexView(data: ImageDataset, indices: Int32Array, part: string): ImageDataset {
  return {
    height: data.height,
    width: data.width,
    channels: data.channels,
    numClasses: data.numClasses,
    ...(data.classNames ? { classNames: data.classNames } : {}),
    name: `${data.name} (${part}, ${indices.length})`,
    size: indices.length,
    label: (i: number) => data.label(indices[i]!),
    readInto: (i: number, out: Uint8Array, offset: number) => data.readInto(indices[i]!, out, offset),
  };
}
