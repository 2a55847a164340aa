// wasmPaths is honoured: the backend fetches its .wasm files from the given folder (a copy in a temporary
// folder works; backend-wasm-paths-missing.test.ts: an empty one fails). Own files: wasm initialises once per process.
import * as tf from '@tensorflow/tfjs-core';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendUnavailableError, useBackend } from './backend.js';

const require = createRequire(import.meta.url);
const wasmDist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
const work = mkdtempSync(join(tmpdir(), 'darl-wasm-paths-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('useBackend("wasm", { wasmPaths }) from a copied folder', () => {
  it('initialises from the copy and computes', async () => {
    const copy = join(work, 'copy');
    mkdirSync(copy);
    for (const f of readdirSync(wasmDist).filter((f) => f.endsWith('.wasm'))) copyFileSync(join(wasmDist, f), join(copy, f));
    const info = await useBackend('wasm', { wasmPaths: `${copy}/` });
    expect(info.name).toBe('wasm');
    expect(Array.from(tf.add(tf.tensor1d([1, 2]), 1).dataSync())).toEqual([2, 3]);
  });
});
