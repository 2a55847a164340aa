import { chmod, mkdtemp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './write-file-atomic.js';

describe('writeFileAtomic', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'darl-atomic-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a file with the bytes, replaces it with a string (UTF-8), and leaves no temp file', async () => {
    const path = join(dir, 'model.safetensors');
    await writeFileAtomic(path, Uint8Array.of(1, 2, 3));
    expect(Array.from(await readFile(path))).toEqual([1, 2, 3]);
    await writeFileAtomic(path, 'größe ✓');
    expect(await readFile(path, 'utf8')).toBe('größe ✓');
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });

  it('keeps the permission bits of the file it replaces', async () => {
    const path = join(dir, 'secret.bin');
    await writeFile(path, 'old');
    await chmod(path, 0o600);
    await writeFileAtomic(path, 'new');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readFile(path, 'utf8')).toBe('new');
  });

  it('writes an empty file and a large one', async () => {
    const path = join(dir, 'x.bin');
    await writeFileAtomic(path, new Uint8Array(0));
    expect((await readFile(path)).length).toBe(0);
    const big = new Uint8Array(3_000_000).map((_, i) => i % 251);
    await writeFileAtomic(path, big);
    expect(Buffer.compare(await readFile(path), big)).toBe(0);
  });

  it('fails when the rename fails (target is a non-empty directory): error names the path, nothing left behind', async () => {
    const path = join(dir, 'occupied');
    await mkdir(path);
    await writeFile(join(path, 'keep.txt'), 'keep');
    await expect(writeFileAtomic(path, 'new')).rejects.toThrow(
      new RegExp(`^writeFileAtomic: could not write "${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}" \\((EISDIR|ENOTEMPTY|EEXIST|EPERM)`),
    );
    expect(await readdir(dir)).toEqual(['occupied']);
    expect(await readFile(join(path, 'keep.txt'), 'utf8')).toBe('keep');
  });

  it('fails when the directory does not exist, naming the path', async () => {
    const path = join(dir, 'missing', 'f.bin');
    await expect(writeFileAtomic(path, 'x')).rejects.toThrow(/could not write ".*missing\/f.bin" \(ENOENT/);
    expect(await readdir(dir)).toEqual([]);
  });
});
