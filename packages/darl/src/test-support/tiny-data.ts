/**
 * Test data: small synthetic labelled image sets written as IDX files (the MNIST format), so CLI tests exercise the
 * real file loaders in milliseconds. Class k is a bright 2×2 square at a class-specific position plus seeded noise.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arrayDataset, type ImageDataset } from '@darl/patch-data';
import { Rng } from '@darl/tensor-backend';

export const SIDE = 8;
export const CLASSES = 4;

/** `n` images 8×8×1 with labels, deterministic in `seed`. */
export function tinyImages(n: number, seed: number): { pixels: Uint8Array; labels: Uint8Array } {
  const rng = new Rng(seed);
  const pixels = new Uint8Array(n * SIDE * SIDE);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % CLASSES;
    labels[i] = k;
    const r0 = 1 + 4 * Math.floor(k / 2);
    const c0 = 1 + 4 * (k % 2);
    for (let y = 0; y < SIDE; y++) {
      for (let x = 0; x < SIDE; x++) {
        const inSquare = y >= r0 && y < r0 + 2 && x >= c0 && x < c0 + 2;
        pixels[i * SIDE * SIDE + y * SIDE + x] = inSquare ? 200 + rng.int(56) : rng.int(40);
      }
    }
  }
  return { pixels, labels };
}

function idx(magic: number, dims: number[], body: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(body)]);
}

/** Writes train (n) and t10k (n/2) IDX files into a new temp folder; returns the folder. */
export function writeTinyIdx(n = 64, seed = 1): string {
  const dir = mkdtempSync(join(tmpdir(), 'darl-tiny-idx-'));
  for (const [prefix, count, s] of [['train', n, seed], ['t10k', n / 2, seed + 1]] as const) {
    const { pixels, labels } = tinyImages(count, s);
    writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), idx(0x00000803, [count, SIDE, SIDE], pixels));
    writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), idx(0x00000801, [count], labels));
  }
  return dir;
}

/** The same images as an in-memory dataset. */
export function tinyDataset(n: number, seed: number): ImageDataset {
  const { pixels, labels } = tinyImages(n, seed);
  return arrayDataset({ name: `tiny-${seed}`, images: pixels, labels: Int32Array.from(labels), height: SIDE, width: SIDE, channels: 1, numClasses: CLASSES });
}
