// wasmPaths is honoured (see backend-wasm-paths.test.ts): a folder without the .wasm files fails to initialise.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendUnavailableError, useBackend } from './backend.js';

const work = mkdtempSync(join(tmpdir(), 'darl-wasm-paths-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('useBackend("wasm", { wasmPaths })', () => {
  it('refuses wasmPaths for another backend and a folder without a trailing slash', async () => {
    await expect(useBackend('cpu', { wasmPaths: '/x/' })).rejects.toThrow(BackendUnavailableError);
    await expect(useBackend('wasm', { wasmPaths: join(work, 'copy') })).rejects.toThrow(/must be a folder URL ending in "\/"/);
  });

  it('fails to initialise from a folder without the .wasm files, naming the backend', async () => {
    const empty = join(work, 'empty');
    const err = await useBackend('wasm', { wasmPaths: `${empty}/` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect((err as Error).message).toMatch(/Backend "wasm" failed to initialise|tfjs refused it/);
  });
});

