/**
 * Choosing and initialising a tfjs backend by name. Optional backend packages are loaded with `import()` only when
 * asked for (or injected by the caller); importing this module changes no global state.
 *
 * @module
 */
import { UserError } from './user-error.js';
import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients, warnIfDuplicateTfjs } from './tfjs-runtime.js';
import { installKernelOverrides, uninstallKernelOverrides } from './kernels/install.js';
import { BACKENDS_FASTEST_FIRST, type BackendName } from './backend-name.js';

export { BACKENDS_FASTEST_FIRST, type BackendName } from './backend-name.js';

/** `import()` of an optional peer by a non-literal name, so type checkers and bundlers do not require it. */
function importOptional(specifier: string): Promise<unknown> {
  return import(/* @vite-ignore */ specifier);
}

interface BackendSpec {
  /** npm package that registers the backend. */
  readonly packageName: string;
  /** Name under which tfjs registers it. */
  readonly tfjsName: string;
  /** Why the package may be missing or fail to load, for the error message. */
  readonly hint: string;
  /** Loads the package (registering its backend as a side effect). */
  readonly load: () => Promise<unknown>;
}

const SPECS: Record<BackendName, BackendSpec> = {
  cpu: {
    packageName: '@tensorflow/tfjs-backend-cpu',
    tfjsName: 'cpu',
    hint: 'It is a peer dependency of @darl/tensor-backend that npm ≥ 7 and pnpm install automatically; install it with `npm install @tensorflow/tfjs-backend-cpu@4.22.0` (same version as @tensorflow/tfjs-core).',
    load: () => import('@tensorflow/tfjs-backend-cpu'),
  },
  wasm: {
    packageName: '@tensorflow/tfjs-backend-wasm',
    tfjsName: 'wasm',
    hint:
      'It is a peer dependency of @darl/tensor-backend that npm ≥ 7 and pnpm install automatically; install it with ' +
      '`npm install @tensorflow/tfjs-backend-wasm@4.22.0` (same version as @tensorflow/tfjs-core). ' +
      'In a browser or bundler, also make its .wasm files reachable (see setWasmPaths in @tensorflow/tfjs-backend-wasm).',
    load: () => import('@tensorflow/tfjs-backend-wasm'),
  },
  node: {
    packageName: '@tensorflow/tfjs-node',
    tfjsName: 'tensorflow',
    hint:
      'It is an optional peer dependency: install it with `npm install @tensorflow/tfjs-node@4.22.0`. Its install ' +
      'script downloads libtensorflow (TensorFlow 2.9.1) from the internet; on a machine without that access, or where ' +
      'the download is refused, the package installs without its native library and cannot load. Use --backend wasm instead.',
    load: () => importOptional('@tensorflow/tfjs-node'),
  },
  'node-gpu': {
    packageName: '@tensorflow/tfjs-node-gpu',
    tfjsName: 'tensorflow',
    hint:
      'It is an optional peer dependency: install it with `npm install @tensorflow/tfjs-node-gpu@4.22.0`. Its install ' +
      'script downloads the GPU build of libtensorflow (TensorFlow 2.9.1), which also needs CUDA 11.2 and cuDNN 8.1 on ' +
      'Linux x86-64. Without network access or a matching CUDA it cannot load. Use --backend wasm instead.',
    load: () => importOptional('@tensorflow/tfjs-node-gpu'),
  },
};

/** What {@link useBackend} chose. */
export interface BackendInfo {
  /** darl's name for the backend. */
  readonly name: BackendName;
  /** tfjs's registered name (`tensorflow` for both node backends). */
  readonly tfjsName: string;
  /** Version of the loaded `@tensorflow/tfjs-core`. */
  readonly tfjsVersion: string;
  /** Bits of float precision of the backend's float32 tensors (32, or 16 on some WebGL devices). */
  readonly floatPrecision: 16 | 32;
  /** Machine epsilon of that precision, the basis for test tolerances. */
  readonly epsilon: number;
  /** Whether the wasm backend runs its SIMD build (undefined where it does not apply). */
  readonly simd?: boolean;
  /** Whether the wasm backend runs multi-threaded (undefined where it does not apply). */
  readonly threads?: boolean;
  /** Names of darl's kernel overrides installed for this backend. */
  readonly kernelOverrides: readonly string[];
  /** For `auto`: each backend tried before this one and why it was skipped. */
  readonly skipped: readonly { name: BackendName; reason: string }[];
}

/** Options for {@link useBackend}. */
export interface UseBackendOptions {
  /**
   * Loads the backend package instead of `import()`ing it by name, e.g. `() => import('@tensorflow/tfjs-node')`
   * from a bundled app, or a module object already imported by the caller.
   */
  readonly load?: () => Promise<unknown>;
  /** Install darl's fast kernel overrides for this backend (default true). */
  readonly kernelOverrides?: boolean;
}

/** Raised when a backend is missing or fails to initialise; the message names the package and the fix. */
export class BackendUnavailableError extends UserError {
  override readonly name = 'BackendUnavailableError';
  constructor(
    readonly backend: BackendName,
    message: string,
  ) {
    super(message);
  }
}

function isModuleNotFound(err: unknown, packageName: string): boolean {
  const e = err as { code?: string; message?: string } | null;
  const msg = String(e?.message ?? '');
  return (
    (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND' || /Cannot find (module|package)|Could not resolve|Failed to load url/.test(msg)) &&
    msg.includes(packageName)
  );
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n').find((l) => l.trim().length > 0)?.trim() ?? msg;
}

async function initialise(name: BackendName, opts: UseBackendOptions): Promise<BackendInfo> {
  const spec = SPECS[name];
  try {
    await (opts.load ?? spec.load)();
  } catch (err) {
    if (isModuleNotFound(err, spec.packageName)) {
      throw new BackendUnavailableError(name, `Backend "${name}" needs the package ${spec.packageName}, which is not installed. ${spec.hint}`);
    }
    throw new BackendUnavailableError(
      name,
      `Backend "${name}": ${spec.packageName} is installed but failed to load (${firstLine(err)}). ${spec.hint}`,
    );
  }
  if (tf.findBackendFactory(spec.tfjsName) == null) {
    throw new BackendUnavailableError(
      name,
      `Backend "${name}": ${spec.packageName} loaded but registered no "${spec.tfjsName}" backend with this copy of ` +
        `@tensorflow/tfjs-core (${tf.version_core}). Usually two copies of tfjs-core are installed; run ` +
        '`npm ls @tensorflow/tfjs-core` and dedupe them.',
    );
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend(spec.tfjsName);
    await tf.ready();
  } catch (err) {
    throw new BackendUnavailableError(name, `Backend "${name}" failed to initialise: ${firstLine(err)}. ${spec.hint}`);
  }
  if (!ok) throw new BackendUnavailableError(name, `Backend "${name}" failed to initialise (tfjs refused it). ${spec.hint}`);
  await ensureGradients();
  warnIfDuplicateTfjs();
  quietFirstUseNotice();
  const kernelOverrides = opts.kernelOverrides === false ? uninstallKernelOverrides(name) : installKernelOverrides(name);
  const floatPrecision = tf.backend().floatPrecision() === 16 ? 16 : 32;
  let simd: boolean | undefined;
  let threads: boolean | undefined;
  if (name === 'wasm') {
    simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    threads = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  }
  return {
    name,
    tfjsName: spec.tfjsName,
    tfjsVersion: tf.version_core,
    floatPrecision,
    epsilon: floatPrecision === 32 ? 2 ** -23 : 2 ** -10,
    ...(simd === undefined ? {} : { simd }),
    ...(threads === undefined ? {} : { threads }),
    kernelOverrides,
    skipped: [],
  };
}

/** The cpu backend prints a "use tfjs-node" banner on first use; darl chooses backends deliberately. */
function quietFirstUseNotice(): void {
  const b = tf.backend() as unknown as { firstUse?: boolean };
  if (typeof b.firstUse === 'boolean') b.firstUse = false;
}

/**
 * Selects and initialises a tfjs backend, registers gradients if the loaded tfjs-core lacks them, and installs darl's
 * kernel overrides for it. Resolves to what was chosen; rejects with a {@link BackendUnavailableError} whose message
 * names the package to install and why it may be missing.
 *
 * @example
 * const info = await useBackend('wasm');
 * console.log(info.name, info.simd);
 */
export async function useBackend(name: BackendName | 'auto', opts: UseBackendOptions = {}): Promise<BackendInfo> {
  if (name !== 'auto') {
    if (!(name in SPECS)) {
      throw new BackendUnavailableError(
        name,
        `Unknown backend "${String(name)}". Choose one of: auto, ${BACKENDS_FASTEST_FIRST.join(', ')}.`,
      );
    }
    return initialise(name, opts);
  }
  if (opts.load) throw new Error('useBackend("auto") cannot take a `load` function: name the backend it loads.');
  const skipped: { name: BackendName; reason: string }[] = [];
  for (const candidate of BACKENDS_FASTEST_FIRST) {
    try {
      const info = await initialise(candidate, opts);
      return { ...info, skipped };
    } catch (err) {
      skipped.push({ name: candidate, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  throw new BackendUnavailableError(
    'cpu',
    `No backend could be initialised:\n${skipped.map((s) => `  ${s.name}: ${s.reason}`).join('\n')}`,
  );
}

/** The npm package that provides a backend, e.g. for `darl info`. */
export function backendPackage(name: BackendName): string {
  return SPECS[name].packageName;
}
