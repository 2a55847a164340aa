/**
 * Folders of PNG / JPEG images, one sub-folder per class (torchvision's `ImageFolder` layout):
 * `DIR/<class name>/**\/*.png|jpg|jpeg`. Class labels follow the sorted sub-folder names. A folder with image
 * files directly inside and no class sub-folders is loaded unlabelled.
 *
 * @module
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { arrayDataset } from '../array-dataset.js';
import { DatasetError, type ImageDataset } from '../dataset.js';
import { resizeAndCenterCrop } from '../resize.js';
import { decodeImage, rgbaToChannels } from './decode-image.js';

/** Options of {@link loadImageFolder}. */
export interface LoadImageFolderOptions {
  /** The folder: class sub-folders, or images directly inside. */
  readonly dir: string;
  /**
   * Output size: every image is resized to cover it (keeping its aspect ratio) and centre-cropped — area filter
   * when shrinking, bilinear when enlarging (see `resize.ts`). Without it all images must have the same size.
   */
  readonly size?:
    | number
    | {
        /** Output height in pixels. */
        readonly height: number;
        /** Output width in pixels. */
        readonly width: number;
      };
  /** 1 (luma), 3 (RGB, alpha dropped; default) or 4 (RGBA). */
  readonly channels?: 1 | 3 | 4;
  /** Dataset name (default `folder:DIR`). */
  readonly name?: string;
}

const IMAGE_EXT = /\.(png|jpe?g)$/i;

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

async function listImages(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => byCodeUnit(a.name, b.name));
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listImages(path)));
    else if (e.isFile() && IMAGE_EXT.test(e.name)) out.push(path);
  }
  return out;
}

/**
 * Loads an image folder as an {@link ImageDataset}. Images are decoded one at a time into a single buffer of
 * `N·H·W·C` bytes (the only copy kept). Files are read in sorted order (class folders, then file names, by code
 * unit), so indices are stable.
 *
 * @example
 * const ds = await loadImageFolder({ dir: 'photos', size: 64, channels: 3 });
 */
export async function loadImageFolder(opts: LoadImageFolderOptions): Promise<ImageDataset> {
  const { dir } = opts;
  const channels = opts.channels ?? 3;
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new DatasetError(`loadImageFolder(${dir}): channels must be 1, 3 or 4, got ${String(channels)}.`);
  }
  let target: { height: number; width: number } | undefined;
  if (opts.size !== undefined) {
    target = typeof opts.size === 'number' ? { height: opts.size, width: opts.size } : { height: opts.size.height, width: opts.size.width };
    if (!Number.isInteger(target.height) || target.height <= 0 || !Number.isInteger(target.width) || target.width <= 0) {
      throw new DatasetError(`loadImageFolder(${dir}): size must be a positive integer or { height, width }, got ${JSON.stringify(opts.size)}.`);
    }
  }
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw new DatasetError(`Image folder ${dir} cannot be read: ${(err as Error).message}. Check the path.`);
  }
  entries.sort((a, b) => byCodeUnit(a.name, b.name));
  const classDirs = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.'));
  const topImages = entries.filter((e) => e.isFile() && IMAGE_EXT.test(e.name)).map((e) => join(dir, e.name));
  const files: string[] = [];
  const labels: number[] = [];
  const classNames: string[] = [];
  const emptyClasses: string[] = [];
  for (const d of classDirs) {
    const imgs = await listImages(join(dir, d.name));
    if (imgs.length === 0) {
      emptyClasses.push(d.name);
      continue;
    }
    const label = classNames.length;
    classNames.push(d.name);
    for (const f of imgs) {
      files.push(f);
      labels.push(label);
    }
  }
  if (classNames.length > 0 && topImages.length > 0) {
    throw new DatasetError(
      `Image folder ${dir}: expected either class sub-folders or images directly inside, found both (${topImages.length} top-level images such as ${topImages[0]}, ` +
        `and class folders ${classNames.slice(0, 5).join(', ')}). Move the top-level images into a class folder.`,
    );
  }
  if (classNames.length > 0 && emptyClasses.length > 0) {
    throw new DatasetError(
      `Image folder ${dir}: expected PNG or JPEG images in every class sub-folder, found none in ${emptyClasses.map((c) => join(dir, c)).join(', ')}. ` +
        'Remove the empty class folder(s) or add images, so that labels are what you expect.',
    );
  }
  const labelled = classNames.length > 0;
  if (!labelled) files.push(...topImages);
  if (files.length === 0) {
    throw new DatasetError(
      `Image folder ${dir}: expected PNG or JPEG images (.png, .jpg, .jpeg) in class sub-folders or directly inside, found none ` +
        `(${entries.length} entries${entries.length ? `: ${entries.slice(0, 6).map((e) => e.name).join(', ')}` : ''}).`,
    );
  }

  let images: Uint8Array | undefined;
  let height = target?.height ?? 0;
  let width = target?.width ?? 0;
  let first = '';
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (err) {
      throw new DatasetError(`Image ${file} cannot be read: ${(err as Error).message}.`);
    }
    const img = decodeImage(bytes, file);
    if (!images) {
      if (!target) {
        height = img.height;
        width = img.width;
        first = file;
      }
      images = new Uint8Array(files.length * height * width * channels);
    }
    const per = height * width * channels;
    if (target) {
      if (img.height === height && img.width === width) rgbaToChannels(img.rgba, height * width, channels, images, i * per);
      else {
        const rgbaOut = resizeAndCenterCrop(img.rgba, img.height, img.width, 4, height, width);
        rgbaToChannels(rgbaOut, height * width, channels, images, i * per);
      }
    } else {
      if (img.height !== height || img.width !== width) {
        throw new DatasetError(
          `Image folder ${dir}: image ${relative(dir, file)} is ${img.height}×${img.width} but ${relative(dir, first)} is ${height}×${width}; ` +
            'without a size all images must have the same size. Pass size (e.g. { size: 64 }) to resize and centre-crop them.',
        );
      }
      rgbaToChannels(img.rgba, height * width, channels, images, i * per);
    }
  }
  return arrayDataset({
    name: opts.name ?? `folder:${dir}`,
    images: images!,
    height,
    width,
    channels,
    ...(labelled ? { labels: Int32Array.from(labels), classNames } : {}),
  });
}
