import { describe, it, expect } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCifar } from './cifar.js';
import { readImages } from '../dataset.js';
import { tempDir } from '../../test/temp-dir.js';

const root = tempDir('cifar');

/** A CIFAR record: label byte(s), then R, G, B planes of 32×32, pixel (y, x) of channel c = (seed + 3y + 5x + 7c) mod 256. */
function record(labelBytes: number[], seed: number): number[] {
  const out = [...labelBytes];
  for (let c = 0; c < 3; c++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) out.push((seed + 3 * y + 5 * x + 7 * c) % 256);
  return out;
}
const hwc = (seed: number, y: number, x: number, c: number) => (seed + 3 * y + 5 * x + 7 * c) % 256;

function writeBatch(dir: string, name: string, records: number[][]): string {
  mkdirSync(dir, { recursive: true });
  const p = join(dir, name);
  writeFileSync(p, Uint8Array.from(records.flat()));
  return p;
}

describe('loadCifar', () => {
  it('reads CIFAR-10 batches (planar CHW → HWC), in batch order, with class names', async () => {
    const dir = join(root, 'cifar-10-batches-bin');
    for (let b = 1; b <= 5; b++) writeBatch(dir, `data_batch_${b}.bin`, [record([b], 10 * b), record([b + 4], 10 * b + 1)]);
    writeBatch(dir, 'test_batch.bin', [record([9], 99)]);
    writeFileSync(join(dir, 'batches.meta.txt'), 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n');
    const train = await loadCifar({ variant: 10, dir: root, split: 'train' });
    expect([train.size, train.height, train.width, train.channels, train.numClasses]).toEqual([10, 32, 32, 3, 10]);
    expect(train.classNames?.[9]).toBe('truck');
    expect(Array.from({ length: 10 }, (_, i) => train.label(i))).toEqual([1, 5, 2, 6, 3, 7, 4, 8, 5, 9]);
    const img = readImages(train, [3]); // batch 2, second record: seed 21
    for (const [y, x, c] of [[0, 0, 0], [5, 7, 1], [31, 31, 2]] as const) expect(img[(y * 32 + x) * 3 + c]).toBe(hwc(21, y, x, c));
    const test = await loadCifar({ variant: 10, dir, split: 'test' });
    expect([test.size, test.label(0)]).toEqual([1, 9]);
  });

  it('reads CIFAR-100 fine and coarse labels', async () => {
    const dir = join(root, 'cifar-100-binary');
    writeBatch(dir, 'train.bin', [record([3, 77], 1), record([19, 99], 2)]);
    writeFileSync(join(dir, 'coarse_label_names.txt'), Array.from({ length: 20 }, (_, i) => `super${i}`).join('\n'));
    const fine = await loadCifar({ variant: 100, dir: root, split: 'train' });
    expect([fine.numClasses, fine.label(0), fine.label(1), fine.classNames]).toEqual([100, 77, 99, undefined]);
    const coarse = await loadCifar({ variant: 100, dir, split: 'train', labels: 'coarse' });
    expect([coarse.numClasses, coarse.label(0), coarse.label(1), coarse.classNames?.[19]]).toEqual([20, 3, 19, 'super19']);
    expect(readImages(fine, [1])[(2 * 32 + 3) * 3 + 1]).toBe(hwc(2, 2, 3, 1));
  });

  it('rejects a truncated batch, naming the file, the record size and the byte count', async () => {
    const dir = join(root, 'truncated');
    const p = writeBatch(dir, 'test_batch.bin', [record([1], 0), record([2], 0).slice(0, 1000)]);
    await expect(loadCifar({ variant: 10, dir, split: 'test' })).rejects.toThrow(
      new RegExp(`CIFAR-10 file ${p}: expected a whole number of 3073-byte records .* found 4073 bytes \\(1 records and 1000 bytes left over\\)`),
    );
  });

  it('rejects an out-of-range label and missing files', async () => {
    const dir = join(root, 'badlabel');
    const p = writeBatch(dir, 'test_batch.bin', [record([3], 0), record([12], 0)]);
    await expect(loadCifar({ variant: 10, dir, split: 'test' })).rejects.toThrow(new RegExp(`${p}: record 1 has label 12, expected 0…9`));
    await expect(loadCifar({ variant: 10, dir, split: 'train' })).rejects.toThrow(/CIFAR-10 train file .*data_batch_1.bin is missing/);
    await expect(loadCifar({ variant: 10, dir: join(root, 'nope'), split: 'train' })).rejects.toThrow(/does not exist or is not a folder/);
  });
});
