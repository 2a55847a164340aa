import { describe, it, expect } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadIdx, parseIdx } from './idx.js';
import { readImages } from '../dataset.js';
import { idxBytes, tempDir } from '../../test/temp-dir.js';

const root = tempDir('idx');
// 5 images of 3×4 where pixel (y, x) of image i is 20·i + 4·y + x.
const N = 5;
const pixels = Array.from({ length: N * 12 }, (_, k) => 20 * Math.floor(k / 12) + (k % 12));
const labels = [3, 1, 4, 1, 5];

function write(dir: string, name: string, bytes: Uint8Array): string {
  mkdirSync(dir, { recursive: true });
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

describe('loadIdx', () => {
  it('reads plain and gzipped files by standard names (train / t10k) with matching labels', async () => {
    const dir = join(root, 'std');
    write(dir, 'train-images-idx3-ubyte', idxBytes([N, 3, 4], pixels));
    write(dir, 'train-labels-idx1-ubyte', idxBytes([N], labels));
    write(dir, 't10k-images-idx3-ubyte.gz', gzipSync(idxBytes([N, 3, 4], pixels)));
    write(dir, 't10k-labels-idx1-ubyte.gz', gzipSync(idxBytes([N], labels)));
    for (const split of ['train', 'test'] as const) {
      const ds = await loadIdx({ dir, split });
      expect([ds.size, ds.height, ds.width, ds.channels, ds.numClasses]).toEqual([N, 3, 4, 1, 6]);
      expect([...readImages(ds, [0, 1, 2, 3, 4])]).toEqual(pixels);
      expect(Array.from({ length: N }, (_, i) => ds.label(i))).toEqual(labels);
    }
  });

  it('reads explicit paths, prefixed names (EMNIST style), 4-D colour files, unlabelled files and transposes', async () => {
    const dir = join(root, 'emnist');
    write(dir, 'emnist-letters-train-images-idx3-ubyte.gz', gzipSync(idxBytes([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8])));
    write(dir, 'emnist-letters-train-labels-idx1-ubyte.gz', gzipSync(idxBytes([2], [0, 1])));
    const t = await loadIdx({ dir, split: 'train' }, { transpose: true, classNames: ['a', 'b'] });
    expect([...readImages(t, [0, 1])]).toEqual([1, 3, 2, 4, 5, 7, 6, 8]);
    expect(t.classNames).toEqual(['a', 'b']);
    const rgb = write(root, 'rgb.idx', idxBytes([2, 1, 2, 3], Array.from({ length: 12 }, (_, i) => i)));
    const c = await loadIdx({ images: rgb });
    expect([c.size, c.height, c.width, c.channels, c.numClasses, c.label(0)]).toEqual([2, 1, 2, 3, null, null]);
  });

  const bad = join(root, 'bad');
  const good = write(bad, 'good-images', idxBytes([N, 3, 4], pixels));
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['wrong magic', () => Uint8Array.from([0x1f, 0x00, 0x08, 0x03, 0, 0, 0, 1]), /wrong magic number 0x1f000803; expected 0x00000803 or 0x00000804/],
    ['unsupported type', () => idxBytes([N, 3, 4], pixels, 0x0d), /element type 0xd \(float\) is not supported; expected 0x08/],
    ['wrong rank', () => idxBytes([N * 12], pixels), /expected 3 or 4 dimensions, found 1/],
    ['truncated data', () => idxBytes([N, 3, 4], pixels).subarray(0, 16 + 50), /promises dimensions \[5, 3, 4\] = 60 data bytes, found 50 — the file is truncated/],
    ['truncated header', () => idxBytes([N, 3, 4], pixels).subarray(0, 9), /expected a 16-byte header for 3 dimensions, found only 9 bytes/],
    ['trailing bytes', () => idxBytes([N, 3, 4], [...pixels, 0, 0]), /= 60 data bytes, found 62 — the file has trailing bytes/],
    ['empty file', () => new Uint8Array(0), /expected at least a 4-byte header, found only 0 bytes/],
  ];
  for (const [what, bytes, message] of cases) {
    it(`rejects an images file with ${what}, naming the file`, async () => {
      const path = write(bad, `${what.replace(/ /g, '-')}-images`, bytes());
      const err = await loadIdx({ images: path }).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toContain(path);
      expect((err as Error).message).toMatch(message);
    });
  }

  it('rejects an image/label count mismatch, naming both files', async () => {
    const lab = write(bad, 'short-labels', idxBytes([N - 1], labels.slice(1)));
    await expect(loadIdx({ images: good, labels: lab })).rejects.toThrow(
      new RegExp(`${good}.*${lab}.*expected as many labels as images \\(5\\), found 4 labels`),
    );
  });

  it('rejects a labels file that is an images file', async () => {
    await expect(loadIdx({ images: good, labels: good })).rejects.toThrow(/good-images: expected 1 dimensions, found 3/);
  });

  it('rejects a corrupt gzip file, a missing file and a folder without standard names', async () => {
    const gz = gzipSync(idxBytes([N, 3, 4], pixels));
    const corrupt = write(bad, 'corrupt-images.gz', gz.subarray(0, gz.length - 20));
    await expect(loadIdx({ images: corrupt })).rejects.toThrow(new RegExp(`Cannot decompress IDX images file ${corrupt}: .*truncated or corrupt`));
    await expect(loadIdx({ images: join(bad, 'nope') })).rejects.toThrow(/Cannot read IDX images file .*nope: it does not exist/);
    await expect(loadIdx({ dir: bad, split: 'test' })).rejects.toThrow(/expected a test images file named t10k-images-idx3-ubyte.*found none/);
    const noLabels = join(root, 'nolabels');
    write(noLabels, 'train-images-idx3-ubyte', idxBytes([N, 3, 4], pixels));
    await expect(loadIdx({ dir: noLabels, split: 'train' })).rejects.toThrow(/found images file train-images-idx3-ubyte but no matching labels file \(expected train-labels-idx1-ubyte\)/);
  });

  it('parseIdx views the data without copying', () => {
    const bytes = idxBytes([2], [7, 9]);
    const parsed = parseIdx(bytes, 'mem', [1]);
    expect(parsed.data.buffer).toBe(bytes.buffer);
    expect([...parsed.data]).toEqual([7, 9]);
  });
});
