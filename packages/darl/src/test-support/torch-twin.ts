/**
 * Running the PyTorch twin (`python/darl_torch`) from tests: which interpreter, whether it has torch, and a helper
 * that runs a module of the twin and returns its stdout. CI installs Debian's python3-torch (see .ci/run); on a
 * machine without it the twin tests are skipped locally and fail in CI.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's python/darl_torch folder (put on PYTHONPATH). */
export const TWIN_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../python/darl_torch');

/** `DARL_PYTHON`, else Debian's /usr/bin/python3 (where python3-torch installs), else `python3` on PATH. */
export const PYTHON = process.env.DARL_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

const env = (): NodeJS.ProcessEnv => ({ ...process.env, PYTHONPATH: TWIN_DIR, OMP_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1' });

/** Whether the interpreter imports torch and numpy. */
export function twinAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch, numpy'], { env: env() }).status === 0;
}

/** Skip the twin tests only where torch is missing and this is not CI. */
export const skipTwin = !process.env.CI && !twinAvailable();

/**
 * torchrun flags working around Debian bookworm's torch 1.13 under Python 3.11, whose default `--redirects 0` /
 * `--tee 0` no longer parse (Python 3.11's Flag enums skip the zero member, so torchrun fails in `to_map`).
 */
export const TORCHRUN_PY311 = ['--redirects', '2', '--tee', '2'] as const;

/** Runs `program args` (a python -m module, or torchrun) with the twin on PYTHONPATH; throws with stderr on failure. */
export function runTwin(args: readonly string[], opts: { torchrun?: readonly string[]; stderrToStdout?: boolean } = {}): string {
  const [cmd, argv] = opts.torchrun
    ? [join(dirname(PYTHON), 'torchrun'), [...opts.torchrun, '-m', ...args]]
    : [PYTHON, ['-m', ...args]];
  const r = spawnSync(existsSync(cmd) ? cmd : opts.torchrun ? 'torchrun' : cmd, argv, { env: env(), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} exited ${r.status}:\n${r.stderr}\n${r.stdout}`);
  return opts.stderrToStdout ? `${r.stdout}${r.stderr}` : r.stdout;
}
