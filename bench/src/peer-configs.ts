/**
 * The PyTorch peer's configurations and the choice of its best one. Every configuration differs only in the child
 * process's environment: which OpenBLAS build is loaded (Debian's `libopenblas0-openmp` / `libopenblas0-pthread`,
 * selected with `LD_LIBRARY_PATH`), the thread count (`OMP_NUM_THREADS` = `OPENBLAS_NUM_THREADS` =
 * `torch.set_num_threads`), and whether glibc's malloc keeps freed memory instead of returning it to the kernel on
 * every step (the three `MALLOC_*_` variables below). Pure functions; the runner (`run.ts`) spawns the processes.
 */

/**
 * glibc malloc settings that make PyTorch's large temporary buffers reuse heap memory instead of a fresh `mmap` (and
 * page faults) per allocation: blocks up to 32 MiB come from the heap, the heap is trimmed only beyond 4 GiB, and it
 * grows 1 GiB at a time.
 */
export const MALLOC_SETTINGS: Readonly<Record<string, string>> = Object.freeze({
  MALLOC_MMAP_THRESHOLD_: '33554432',
  MALLOC_TRIM_THRESHOLD_: '4294967296',
  MALLOC_TOP_PAD_: '1073741824',
});

/** A BLAS build the peer can load: its name and the folder put first on `LD_LIBRARY_PATH` (none: the system's). */
export interface BlasBuild {
  readonly name: string;
  readonly dir?: string;
}

/** Debian's OpenBLAS builds, in the order they are tried. */
export const DEBIAN_BLAS_BUILDS: readonly BlasBuild[] = [
  { name: 'OpenMP OpenBLAS', dir: '/usr/lib/x86_64-linux-gnu/openblas-openmp' },
  { name: 'pthread OpenBLAS', dir: '/usr/lib/x86_64-linux-gnu/openblas-pthread' },
];

/** Thread counts every BLAS build runs with. */
export const PEER_THREADS: readonly number[] = [1, 2];

/** One configuration of the PyTorch peer. */
export interface PeerConfig {
  /** e.g. `OpenMP OpenBLAS, 2 threads, malloc settings`. */
  readonly name: string;
  readonly blas: string;
  readonly threads: number;
  /** Whether {@link MALLOC_SETTINGS} are in the child's environment. */
  readonly malloc: boolean;
  /** Variables added to the child's environment. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Every configuration: each BLAS build found × {@link PEER_THREADS} × without and with {@link MALLOC_SETTINGS}.
 * @param found the BLAS builds present on this machine; empty means "the system BLAS" (no `LD_LIBRARY_PATH`)
 */
export function peerConfigs(found: readonly BlasBuild[]): PeerConfig[] {
  const builds: readonly BlasBuild[] = found.length ? found : [{ name: 'system BLAS' }];
  const out: PeerConfig[] = [];
  for (const build of builds) {
    for (const threads of PEER_THREADS) {
      for (const malloc of [false, true]) {
        out.push({
          name: `${build.name}, ${threads} thread${threads > 1 ? 's' : ''}${malloc ? ', malloc settings' : ''}`,
          blas: build.name,
          threads,
          malloc,
          env: {
            ...(build.dir ? { LD_LIBRARY_PATH: build.dir } : {}),
            OMP_NUM_THREADS: String(threads),
            OPENBLAS_NUM_THREADS: String(threads),
            ...(malloc ? MALLOC_SETTINGS : {}),
          },
        });
      }
    }
  }
  return out;
}

/**
 * The result with the smallest finite value of `key` (a time: lower is faster), or undefined when none has one.
 * Ties keep the earlier result, so the choice is stable.
 */
export function fastestBy<R extends Record<string, unknown>>(results: readonly R[], key: keyof R): R | undefined {
  let best: R | undefined;
  let bestValue = Infinity;
  for (const r of results) {
    const v = r[key];
    if (typeof v === 'number' && Number.isFinite(v) && v < bestValue) {
      best = r;
      bestValue = v;
    }
  }
  return best;
}
