// Reads the committed golden fixture written by fixtures/make_patchify_golden.py.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface PatchifyCase {
  shape: [number, number, number, number];
  patchSize: number;
  images: number[];
  patches: number[];
  patchesShape: [number, number, number];
}

export interface Golden {
  patchify: PatchifyCase[];
  normPix: { shape: [number, number, number]; input: number[]; targets: number[]; mean: number[]; std: number[] };
  resize: { mode: 'bilinear' | 'area'; shape: [number, number, number]; out: [number, number]; image: number[]; expected: number[] }[];
}

export const golden: Golden = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/patchify-golden.json', import.meta.url)), 'utf8'),
) as Golden;
