import { describe, it, expect } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pngjs from 'pngjs';
import jpeg from 'jpeg-js';
import { loadImageFolder } from './image-folder.js';
import { openDataset } from './open-dataset.js';
import { readImages } from '../dataset.js';
import { tempDir } from '../../test/temp-dir.js';

const root = tempDir('folder');

/** RGBA pixels of an h×w image where pixel (y, x) = (r, g, b, a) given by `fn`. */
function rgba(h: number, w: number, fn: (y: number, x: number) => [number, number, number, number]): Uint8Array {
  const out = new Uint8Array(h * w * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.set(fn(y, x), (y * w + x) * 4);
  return out;
}

function writePng(path: string, h: number, w: number, fn: (y: number, x: number) => [number, number, number, number], colorType: 0 | 2 | 6 = 6): void {
  const png = new pngjs.PNG({ width: w, height: h, colorType, inputColorType: 6, inputHasAlpha: true });
  png.data = Buffer.from(rgba(h, w, fn));
  writeFileSync(path, pngjs.PNG.sync.write(png, { colorType, inputColorType: 6, inputHasAlpha: true }));
}

function writeJpeg(path: string, h: number, w: number, fn: (y: number, x: number) => [number, number, number, number]): void {
  writeFileSync(path, jpeg.encode({ width: w, height: h, data: rgba(h, w, fn) }, 100).data);
}

const grad = (y: number, x: number): [number, number, number, number] => [10 * y, 20 * x, 100, 255];

describe('loadImageFolder', () => {
  it('reads PNG and JPEG class folders in sorted order with labels from folder names', async () => {
    const dir = join(root, 'classes');
    mkdirSync(join(dir, 'cat'), { recursive: true });
    mkdirSync(join(dir, 'dog', 'nested'), { recursive: true });
    writePng(join(dir, 'cat', 'b.png'), 4, 6, grad);
    writePng(join(dir, 'cat', 'a.PNG'), 4, 6, () => [1, 2, 3, 255], 2);
    writeJpeg(join(dir, 'dog', 'x.jpg'), 4, 6, () => [200, 100, 50, 255]);
    writePng(join(dir, 'dog', 'nested', 'y.png'), 4, 6, () => [90, 90, 90, 255], 0);
    writeFileSync(join(dir, 'dog', 'notes.txt'), 'not an image');
    const ds = await loadImageFolder({ dir });
    expect([ds.size, ds.height, ds.width, ds.channels, ds.numClasses, ds.classNames]).toEqual([4, 4, 6, 3, 2, ['cat', 'dog']]);
    expect(Array.from({ length: 4 }, (_, i) => ds.label(i))).toEqual([0, 0, 1, 1]);
    const px = readImages(ds, [0, 1, 2, 3]);
    const per = 4 * 6 * 3;
    expect([...px.subarray(0, 3)]).toEqual([1, 2, 3]); // a.PNG (RGB colour type) sorts before b.png
    expect([...px.subarray(per + (2 * 6 + 3) * 3, per + (2 * 6 + 3) * 3 + 3)]).toEqual([20, 60, 100]);
    // JPEG is lossy: within a few levels of the flat colour.
    // dog/nested/ sorts before dog/x.jpg: entries are visited in sorted order, recursing where folders sort.
    expect([...px.subarray(2 * per, 2 * per + 3)]).toEqual([90, 90, 90]); // grayscale PNG expanded to RGB
    for (let c = 0; c < 3; c++) expect(Math.abs(px[3 * per + c]! - [200, 100, 50][c]!)).toBeLessThanOrEqual(3);
  });

  it('converts to 1 channel (BT.601 luma) or keeps RGBA', async () => {
    const dir = join(root, 'channels');
    mkdirSync(dir, { recursive: true });
    writePng(join(dir, 'p.png'), 2, 2, () => [200, 100, 50, 128]);
    const gray = await loadImageFolder({ dir, channels: 1 });
    expect([gray.channels, gray.numClasses, gray.label(0)]).toEqual([1, null, null]);
    expect(readImages(gray, [0])[0]).toBe(Math.round(0.299 * 200 + 0.587 * 100 + 0.114 * 50));
    const rgbaDs = await loadImageFolder({ dir, channels: 4 });
    expect([...readImages(rgbaDs, [0]).subarray(0, 4)]).toEqual([200, 100, 50, 128]);
  });

  it('resizes and centre-crops mixed sizes to the requested size', async () => {
    const dir = join(root, 'mixed');
    mkdirSync(join(dir, 'a'), { recursive: true });
    // 4×8: left half black, right half white → centre 4×4 crop keeps columns 2..5, resized to 2×2: [0, 255].
    writePng(join(dir, 'a', '1.png'), 4, 8, (_y, x) => (x < 4 ? [0, 0, 0, 255] : [255, 255, 255, 255]));
    writePng(join(dir, 'a', '2.png'), 6, 6, () => [40, 40, 40, 255]);
    const ds = await loadImageFolder({ dir, size: 2, channels: 1 });
    expect([ds.size, ds.height, ds.width]).toEqual([2, 2, 2]);
    expect([...readImages(ds, [0, 1])]).toEqual([0, 255, 0, 255, 40, 40, 40, 40]);
    await expect(loadImageFolder({ dir })).rejects.toThrow(
      /Image folder .*mixed: image a\/2.png is 6×6 but a\/1.png is 4×8; without a size all images must have the same size. Pass size/,
    );
  });

  it('rejects an undecodable PNG, a non-image file with an image name, and an empty folder', async () => {
    const dir = join(root, 'corrupt');
    mkdirSync(join(dir, 'c'), { recursive: true });
    const buf = Buffer.alloc(0);
    writePng(join(dir, 'c', 'ok.png'), 2, 2, grad);
    const pngBytes = (await import('node:fs')).readFileSync(join(dir, 'c', 'ok.png'));
    writeFileSync(join(dir, 'c', 'z-broken.png'), pngBytes.subarray(0, pngBytes.length - 20));
    await expect(loadImageFolder({ dir })).rejects.toThrow(/Image .*z-broken.png: expected a decodable PNG file, but decoding failed: .*truncated or corrupt/);
    const fake = join(root, 'fake');
    mkdirSync(join(fake, 'c'), { recursive: true });
    writeFileSync(join(fake, 'c', 'text.jpg'), 'hello');
    await expect(loadImageFolder({ dir: fake })).rejects.toThrow(/Image .*text.jpg: expected a PNG .* or JPEG .* file, found bytes 68 65 6c 6c 6f/);
    const empty = join(root, 'empty');
    mkdirSync(join(empty, 'cls'), { recursive: true });
    writeFileSync(join(empty, 'cls', 'readme.md'), buf);
    await expect(loadImageFolder({ dir: empty })).rejects.toThrow(/Image folder .*empty: expected PNG or JPEG images .* found none/);
    const partial = join(root, 'partial');
    mkdirSync(join(partial, 'a'), { recursive: true });
    mkdirSync(join(partial, 'b'), { recursive: true });
    writePng(join(partial, 'a', 'ok.png'), 2, 2, grad);
    await expect(loadImageFolder({ dir: partial })).rejects.toThrow(/expected PNG or JPEG images in every class sub-folder, found none in .*partial\/b/);
  });
});

describe('openDataset', () => {
  it('opens every spec kind and applies size', async () => {
    const dir = join(root, 'splits');
    mkdirSync(join(dir, 'train', 'k'), { recursive: true });
    writePng(join(dir, 'train', 'k', 'a.png'), 8, 8, grad);
    const train = await openDataset(`folder:${dir}`, { split: 'train', size: 4, channels: 1 });
    expect([train.size, train.height, train.channels]).toEqual([1, 4, 1]);
    await expect(openDataset(`folder:${dir}`, { split: 'test' })).rejects.toThrow(/has no test\/ or val\/ sub-folder/);
    const digits = await openDataset('mnist', { split: 'test', size: 14 });
    expect([digits.size, digits.height, digits.width, digits.name]).toEqual([2000, 14, 14, 'embedded-digits/test@14x14']);
    expect(readImages(digits, [0]).length).toBe(196);
    await expect(openDataset('imagenet:/x', { split: 'train' })).rejects.toThrow(/unknown dataset spec "imagenet:\/x"/);
    await expect(openDataset('idx:', { split: 'train' })).rejects.toThrow(/names no folder/);
    await expect(openDataset('mnist', { split: 'train', channels: 3 })).rejects.toThrow(/converting to 3 is supported for image folders only/);
  });
});
