// writeFileAtomic when the disk fails mid-write or at fsync: node:fs/promises' `open` is wrapped so that the
// temp file's handle fails after writing part of the data (like ENOSPC) or when syncing.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const fault = vi.hoisted(() => ({ mode: 'none' as 'none' | 'write' | 'sync' }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof actual.open = async (...args: Parameters<typeof actual.open>) => {
    const handle = await actual.open(...args);
    if (fault.mode === 'none' || !String(args[0]).endsWith('.tmp')) return handle;
    const failing = Object.create(handle) as typeof handle;
    failing.write = (async (buffer: Uint8Array, offset = 0, length = buffer.length - offset) => {
      if (fault.mode !== 'write') return handle.write(buffer, offset, length);
      await handle.write(buffer, offset, Math.floor(length / 2)); // a partial write, then the disk is full
      throw Object.assign(new Error('no space left on device, write'), { code: 'ENOSPC' });
    }) as typeof handle.write;
    failing.sync = async () => {
      if (fault.mode === 'sync') throw Object.assign(new Error('input/output error, fsync'), { code: 'EIO' });
      return handle.sync();
    };
    failing.close = () => handle.close();
    return failing;
  };
  return { ...actual, open, default: { ...actual, open } };
});

const { writeFileAtomic } = await import('./write-file-atomic.js');

describe('writeFileAtomic under disk failures', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'darl-atomic-fail-'));
  });
  afterEach(async () => {
    fault.mode = 'none';
    await rm(dir, { recursive: true, force: true });
  });

  for (const mode of ['write', 'sync'] as const) {
    it(`keeps the old file intact and removes the temp file when ${mode} fails`, async () => {
      const path = join(dir, 'checkpoint.safetensors');
      await writeFile(path, 'old contents');
      fault.mode = mode;
      await expect(writeFileAtomic(path, new Uint8Array(1000).fill(7))).rejects.toThrow(
        mode === 'write'
          ? /writeFileAtomic: could not write ".*checkpoint.safetensors" \(ENOSPC: no space left on device, write\); any previous file there is unchanged/
          : /could not write ".*checkpoint.safetensors" \(EIO/,
      );
      expect(await readFile(path, 'utf8')).toBe('old contents');
      expect(await readdir(dir)).toEqual(['checkpoint.safetensors']);
    });
  }

  it('the fault injection is real: without it the same call replaces the file', async () => {
    const path = join(dir, 'checkpoint.safetensors');
    await writeFile(path, 'old contents');
    await writeFileAtomic(path, 'new');
    expect(await readFile(path, 'utf8')).toBe('new');
  });
});
