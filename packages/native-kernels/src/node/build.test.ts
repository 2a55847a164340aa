import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadNativeKernels } from './index.js';

const pkgDir = new URL('../..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'darl-native-build-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A copy of the package's build inputs, built by its install script with the given environment. */
function buildCopy(name: string, env: NodeJS.ProcessEnv): { dir: string; stdout: string } {
  const dir = join(work, name);
  cpSync(join(pkgDir, 'scripts'), join(dir, 'scripts'), { recursive: true });
  cpSync(join(pkgDir, 'src'), join(dir, 'src'), { recursive: true });
  const stdout = execFileSync(process.execPath, [join(dir, 'scripts', 'build.mjs')], { env, encoding: 'utf8' });
  return { dir, stdout };
}

describe('install-time build', () => {
  it('succeeds without a compiler, records why, and the loader reports it', () => {
    // No compiler anywhere on PATH, as on a machine without g++.
    const { dir, stdout } = buildCopy('no-compiler', { PATH: join(work, 'empty-path') });
    expect(stdout).toContain('not built (no C++ compiler found on PATH');
    const status = JSON.parse(readFileSync(join(dir, 'build', 'status.json'), 'utf8')) as { ok: boolean; reason: string };
    expect(status.ok).toBe(false);
    const loaded = loadNativeKernels({ dir });
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) expect(loaded.reason).toMatch(/not built: no C\+\+ compiler found on PATH.*rebuild with/);
  });

  it('succeeds when the compiler fails, and records its first error line', () => {
    const fake = join(work, 'fake-cxx');
    writeFileSync(fake, '#!/bin/sh\n[ "$1" = --version ] && exit 0\necho "addon.cc:1: error: simulated failure" >&2\nexit 1\n');
    chmodSync(fake, 0o755);
    const { dir, stdout } = buildCopy('bad-compiler', { PATH: join(work, 'empty-path'), CXX: fake });
    expect(stdout).toContain('not built (');
    const loaded = loadNativeKernels({ dir });
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) expect(loaded.reason).toContain('failed: addon.cc:1: error: simulated failure');
  });

  it('loads the installed build and takes its thread count from DARL_NUM_THREADS', () => {
    const loaded = loadNativeKernels();
    // CI and the development machines have g++, so the install-time build must have produced the addon.
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    const previous = loaded.kernels.info().threads;
    loaded.kernels.setThreads(1);
    expect(loaded.kernels.info().threads).toBe(1);
    loaded.kernels.setThreads(previous);
    const env = { ...process.env, DARL_NUM_THREADS: '3' };
    const script = `import('${join(pkgDir, 'src/node/index.ts')}').then((m) => { const r = m.loadNativeKernels(); console.log(JSON.stringify(r.ok ? [r.threads, r.threadsFrom] : r.reason)); })`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { env, encoding: 'utf8', cwd: pkgDir });
    expect(JSON.parse(out)).toEqual([3, 'DARL_NUM_THREADS=3']);
    const bad = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { env: { ...env, DARL_NUM_THREADS: 'two' }, encoding: 'utf8', cwd: pkgDir });
    expect(JSON.parse(bad)).toMatch(/DARL_NUM_THREADS=two is not a positive integer/);
  });
});
