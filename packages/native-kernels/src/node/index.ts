/**
 * Loader of darl's native CPU kernels: the addon that `scripts/build.mjs` compiled at install time. Loading it is
 * explicit ({@link loadNativeKernels}); importing this module loads nothing.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeKernels } from './kernels.generated.js';

export type { NativeKernels } from './kernels.generated.js';

/** The result of {@link loadNativeKernels}: the addon and its thread count, or why it is unavailable. */
export type NativeLoad =
  | {
      /** The addon loaded. */
      readonly ok: true;
      /** The addon's kernels. */
      readonly kernels: NativeKernels;
      /** Threads the kernels run on. */
      readonly threads: number;
      /** Where the thread count came from, e.g. `DARL_NUM_THREADS=2`. */
      readonly threadsFrom: string;
      /** Name of the compiled GEMM microkernel. */
      readonly gemmKernel: string;
    }
  | {
      /** The addon did not load. */
      readonly ok: false;
      /** Why (not built, or failed to load), with how to rebuild. */
      readonly reason: string;
    };

/** Environment variable that sets the thread count (default: the CPUs in the process's affinity mask). */
export const THREADS_ENV = 'DARL_NUM_THREADS';

function packageDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4 && !existsSync(join(dir, 'scripts', 'build.mjs')); i++) dir = dirname(dir);
  return dir;
}

function buildStatus(dir: string): { ok?: boolean; reason?: string } | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'build', 'status.json'), 'utf8')) as { ok?: boolean; reason?: string };
  } catch {
    return undefined;
  }
}

let cached: NativeLoad | undefined;

/** Options of {@link loadNativeKernels}. */
export interface LoadOptions {
  /** Package directory holding `build/` (default: this package's; a copy elsewhere is for tests). */
  readonly dir?: string;
}

/**
 * Loads the addon once per process and applies the thread count from `DARL_NUM_THREADS` (a positive integer), else
 * the CPUs the process may use. Never throws: a missing or broken build comes back as `{ ok: false, reason }`, with
 * the reason the install-time build recorded and how to rebuild.
 */
export function loadNativeKernels(opts: LoadOptions = {}): NativeLoad {
  if (opts.dir === undefined && cached) return cached;
  const result = load(opts.dir ?? packageDir());
  if (opts.dir === undefined) cached = result;
  return result;
}

function load(dir: string): NativeLoad {
  const rebuild = `rebuild with \`node ${join(dir, 'scripts', 'build.mjs')}\` once g++ and the Node headers are available`;
  const file = join(dir, 'build', 'darl_native.node');
  const status = buildStatus(dir);
  if (!existsSync(file) || status?.ok === false) {
    const why = status?.reason ?? 'the install-time build did not run (pnpm blocks the build scripts of dependencies it is not told to allow)';
    return { ok: false, reason: `the native kernels were not built: ${why}; ${rebuild}` };
  }
  let kernels: NativeKernels;
  try {
    kernels = createRequire(import.meta.url)(file) as NativeKernels;
  } catch (err) {
    const msg = err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
    return { ok: false, reason: `the native kernels failed to load (${msg}); ${rebuild}` };
  }
  const raw = process.env[THREADS_ENV];
  let threadsFrom = `the ${kernels.info().allowedCpus} CPUs this process may use`;
  if (raw !== undefined && raw !== '') {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) {
      return {
        ok: false,
        reason: `${THREADS_ENV}=${raw} is not a positive integer; set it to the number of threads, or unset it to use every allowed CPU`,
      };
    }
    kernels.setThreads(n);
    threadsFrom = `${THREADS_ENV}=${raw}`;
  }
  const info = kernels.info();
  return { ok: true, kernels, threads: info.threads, threadsFrom, gemmKernel: info.gemmKernel };
}
