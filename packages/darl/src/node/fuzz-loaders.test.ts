// Seeded mutations (truncations, bit flips, length fields, JSON edits) of IDX, PNG, safetensors and state.json
// through the public loaders: each gives a user error or a clean load, never an internal error, a hang or an
// allocation far beyond the input's size. Tensors of failed loads are freed.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataset } from '@darl/patch-data/node';
import { disposeTree, isUserError, Rng, useBackend } from '@darl/tensor-backend';
import { paramTree } from '../model/darl-model.js';
import { tinyDataset, writeTinyIdx } from '../test-support/tiny-data.js';
import { encodeImageGrid } from '@darl/patch-data/node';
import { loadCheckpoint } from './run-dir/checkpoint.js';
import { loadRun } from './load-run.js';
import { pretrain } from './pretrain.js';

const CASES = 40;
const work = mkdtempSync(join(tmpdir(), 'darl-fuzz-'));

/** One seeded mutation of `bytes`: a truncation, 1–4 bit flips, or a 32-bit field overwritten with a wild value. */
function mutate(bytes: Uint8Array, rng: Rng, lengthFields: readonly number[]): { bytes: Uint8Array; what: string } {
  const out = Uint8Array.from(bytes);
  const kind = rng.int(3);
  if (kind === 0) {
    const n = rng.int(bytes.length);
    return { bytes: out.subarray(0, n), what: `truncated to ${n}` };
  }
  if (kind === 1) {
    const flips = 1 + rng.int(4);
    for (let i = 0; i < flips; i++) {
      const at = rng.int(Math.min(out.length, 256 + rng.int(out.length))); // headers more often
      out[at]! ^= 1 << rng.int(8);
    }
    return { bytes: out, what: `${flips} bit flip(s)` };
  }
  const at = lengthFields[rng.int(lengthFields.length)]!;
  const value = [0, 1, 0x7fffffff, 0xffffffff, 0x10000, bytes.length, bytes.length * 2][rng.int(7)]!;
  new DataView(out.buffer).setUint32(at, value, at === 0 && lengthFields.length === 1); // safetensors: little-endian u64 low word
  return { bytes: out, what: `field at ${at} = ${value}` };
}

/** Runs `load`, requiring a clean result or a user error, in bounded time and memory. */
async function expectUserErrorOrLoad(what: string, inputBytes: number, load: () => Promise<void>): Promise<'ok' | 'user'> {
  const before = process.memoryUsage();
  const t0 = performance.now();
  let outcome: 'ok' | 'user' = 'ok';
  try {
    await load();
  } catch (err) {
    if (!isUserError(err)) throw new Error(`${what}: internal error ${(err as Error).stack}`);
    outcome = 'user';
  }
  expect(performance.now() - t0, `${what}: took too long`).toBeLessThan(10_000);
  const grown = process.memoryUsage().arrayBuffers - before.arrayBuffers;
  expect(grown, `${what}: allocated ${grown} bytes`).toBeLessThan(64 * 2 ** 20 + 20 * inputBytes);
  return outcome;
}

let runDir = '';
let ckptDir = '';
beforeAll(async () => {
  await useBackend('cpu');
  runDir = join(work, 'run');
  const r = await pretrain({
    run: { model: { patchSize: 2, backbone: { preset: 'tiny', width: 8, depth: 1, heads: 2 } }, train: { steps: 2, batchSize: 4, evalImages: 0, ema: 0.9 } },
    out: runDir,
    datasets: { train: tinyDataset(16, 1) },
    data: 'tiny',
    progress: 'none',
    stopAt: 1,
  });
  disposeTree(paramTree(r.params));
  ckptDir = join(runDir, (JSON.parse(readFileSync(join(runDir, 'latest.json'), 'utf8')) as { dir: string }).dir);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('fuzzed inputs through the public loaders', () => {
  it('IDX images and labels', async () => {
    const src = writeTinyIdx(32, 3);
    const counts = { ok: 0, user: 0 };
    for (let i = 0; i < CASES; i++) {
      const rng = new Rng(`idx-${i}`);
      const name = rng.int(2) ? 'train-images-idx3-ubyte' : 'train-labels-idx1-ubyte';
      const dir = join(work, `idx-${i}`);
      cpSync(src, dir, { recursive: true });
      const original = readFileSync(join(dir, name));
      const m = mutate(original, rng, [0, 4, 8, 12]);
      writeFileSync(join(dir, name), m.bytes);
      counts[await expectUserErrorOrLoad(`idx ${name} ${m.what}`, original.length, async () => void (await openDataset(`idx:${dir}`, { split: 'train' })))]++;
    }
    expect(counts.user).toBeGreaterThan(CASES / 2);
  });

  it('PNG images in a folder', async () => {
    const png = encodeImageGrid(new Float32Array(64 * 3).fill(0.4), [1, 8, 8, 3], { columns: 1 });
    const counts = { ok: 0, user: 0 };
    for (let i = 0; i < CASES; i++) {
      const rng = new Rng(`png-${i}`);
      const dir = join(work, `png-${i}`);
      mkdirSync(dir);
      const m = mutate(png, rng, [8, 16, 20, 33]); // IHDR length, width, height, next chunk length
      writeFileSync(join(dir, 'a.png'), m.bytes);
      counts[await expectUserErrorOrLoad(`png ${m.what}`, png.length, async () => void (await openDataset(`folder:${dir}`, { split: 'train', size: 8 })))]++;
    }
    expect(counts.user).toBeGreaterThan(CASES / 2);
  });

  for (const file of ['model.safetensors', 'optimizer.safetensors'] as const) {
    it(`checkpoint ${file}; failed loads leak no tensors`, async () => {
      const start = tf.memory().numTensors;
      const counts = { ok: 0, user: 0 };
      for (let i = 0; i < CASES; i++) {
        const rng = new Rng(`${file}-${i}`);
        const dir = join(work, `${file}-${i}`);
        cpSync(runDir, dir, { recursive: true });
        const path = join(dir, ckptDir.slice(runDir.length), file);
        const original = readFileSync(path);
        const m = mutate(original, rng, [0]);
        writeFileSync(path, m.bytes);
        counts[
          await expectUserErrorOrLoad(`${file} ${m.what}`, original.length, async () => {
            if (file === 'model.safetensors') (await loadRun(dir)).dispose();
            else (await loadCheckpoint(dir)).dispose();
          })
        ]++;
        rmSync(dir, { recursive: true, force: true });
      }
      expect(tf.memory().numTensors).toBe(start);
      expect(counts.user).toBeGreaterThan(CASES / 4);
    });
  }

  it('state.json: bytes mutated, keys deleted, values of the wrong type; resume refuses or continues exactly', async () => {
    const text = readFileSync(join(ckptDir, 'state.json'), 'utf8');
    const wild: unknown[] = [null, -1, 1e300, 'x', [], {}, true, 2 ** 53, 0.5, { epoch: -1, position: 1e9 }, [0, 0, 0, 0]];
    const counts = { ok: 0, user: 0 };
    const start = tf.memory().numTensors;
    for (let i = 0; i < CASES; i++) {
      const rng = new Rng(`state-${i}`);
      const dir = join(work, `state-${i}`);
      cpSync(runDir, dir, { recursive: true });
      const path = join(dir, ckptDir.slice(runDir.length), 'state.json');
      let mutated: string;
      if (rng.int(3) === 0) mutated = new TextDecoder().decode(mutate(new TextEncoder().encode(text), rng, [0]).bytes);
      else {
        const s = JSON.parse(text) as Record<string, unknown>;
        const keys = Object.keys(s);
        const key = keys[rng.int(keys.length)]!;
        const sub = s[key];
        if (sub && typeof sub === 'object' && !Array.isArray(sub) && rng.int(2)) {
          const inner = Object.keys(sub);
          (sub as Record<string, unknown>)[inner[rng.int(inner.length)]!] = wild[rng.int(wild.length)];
        } else if (rng.int(3) === 0) delete s[key];
        else s[key] = wild[rng.int(wild.length)];
        mutated = JSON.stringify(s);
      }
      writeFileSync(path, mutated);
      counts[
        await expectUserErrorOrLoad(`state.json ${mutated.slice(0, 200)}`, text.length, async () => {
          const r = await pretrain({ out: dir, resume: true, datasets: { train: tinyDataset(16, 1) }, progress: 'none' });
          disposeTree(paramTree(r.params));
        })
      ]++;
      rmSync(dir, { recursive: true, force: true });
    }
    expect(tf.memory().numTensors).toBe(start);
    expect(counts.user).toBeGreaterThan(CASES / 2);
  });
});
