/**
 * Choosing and initialising a tfjs backend by name. Optional backend packages are loaded with `import()` only when
 * asked for (or injected by the caller); importing this module changes no global state.
 *
 * @module
 */
import { UserError } from './user-error.js';
import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients, warnIfDuplicateTfjs } from './tfjs-runtime.js';
import { installKernelOverrides, loadKernelOverrides, uninstallKernelOverrides } from './kernels/install.js';
import { AUTO_REASONS, BACKENDS_FASTEST_FIRST, BACKEND_CHOICES, type BackendName } from './backend-name.js';
import { setNativeKernels } from './kernels/native-kernels.js';
import type { NativeLoad } from '@darl/native-kernels';
import { importOptional } from './import-optional.js';
import { findWebGpuAdapter, webgpuNotWorthProbing, WEBGPU_SETUP_HINT, type WebGpuAdapterInfo } from './webgpu-adapter.js';
import { BackendUnavailableError } from './backend-unavailable-error.js';
import { watchWebGpuDevice, webgpuDeviceLoss } from './webgpu-device-loss.js';
import { withoutAddedCrashHandlers } from './process-handlers.js';

export { AUTO_REASONS, BACKENDS_FASTEST_FIRST, BACKEND_CHOICES, type BackendName } from './backend-name.js';
export { BackendUnavailableError } from './backend-unavailable-error.js';

/** The native addon as loaded by the `native` backend's spec (the last successful load). */
let nativeLoaded: Extract<NativeLoad, { ok: true }> | undefined;

async function loadNative(): Promise<void> {
  await import('@tensorflow/tfjs-backend-wasm');
  const mod = (await importOptional('@darl/native-kernels')) as { loadNativeKernels(): NativeLoad };
  const loaded = mod.loadNativeKernels();
  if (!loaded.ok) throw new Error(loaded.reason);
  setNativeKernels(loaded.kernels);
  nativeLoaded = loaded;
}

/** The WebGPU adapter found by the `webgpu` backend's spec (the last successful load). */
let webgpuAdapter: WebGpuAdapterInfo | undefined;

/**
 * Finds the adapter, then loads the package (`importPackage` is the caller's `load` where given, e.g. a bundler's
 * chunk): the adapter is looked up and reported whichever way the package arrives.
 */
async function loadWebGpu(importPackage: () => Promise<unknown> = () => importOptional('@tensorflow/tfjs-backend-webgpu')): Promise<unknown> {
  // A backend whose device was lost is dead for good: drop it (and its factory), so that a new device is made below.
  if (webgpuDeviceLoss() && tf.findBackendFactory('webgpu') != null) tf.removeBackend('webgpu');
  webgpuAdapter = await findWebGpuAdapter();
  const loaded = (await importPackage()) as { WebGPUBackend?: WebGpuBackendClass; default?: { WebGPUBackend?: WebGpuBackendClass } };
  const mod = loaded.WebGPUBackend ? loaded : (loaded.default ?? loaded);
  // The package registers its backend only if navigator.gpu existed when it was first evaluated; if something
  // imported it earlier, register the same factory here.
  if (tf.findBackendFactory('webgpu') == null && mod.WebGPUBackend) tf.registerBackend('webgpu', () => createWebGpuBackend(mod.WebGPUBackend!), 3);
  return mod;
}

type WebGpuBackendClass = new (device: unknown, adapterInfo?: unknown) => tf.KernelBackend;

/** The factory `@tensorflow/tfjs-backend-webgpu` registers: the adapter's own limits, timestamps where offered. */
async function createWebGpuBackend(Backend: WebGpuBackendClass): Promise<tf.KernelBackend> {
  type Adapter = { features: Set<string>; limits: Record<string, number>; info?: unknown; requestDevice(d: unknown): Promise<unknown> };
  const gpu = (globalThis as unknown as { navigator: { gpu: { requestAdapter(o: unknown): Promise<Adapter | null> } } }).navigator.gpu;
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter == null) throw new Error('WebGPU found no adapter');
  const limits = adapter.limits;
  const keep = ['maxComputeWorkgroupStorageSize', 'maxComputeWorkgroupsPerDimension', 'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupSizeX', 'maxComputeInvocationsPerWorkgroup'];
  const device = await adapter.requestDevice({
    requiredFeatures: adapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
    requiredLimits: Object.fromEntries(keep.map((k) => [k, limits[k]])),
  });
  return new Backend(device, adapter.info);
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

/** What tfjs-node and tfjs-node-gpu need, and what to use instead. */
function tfjsNodeHint(pkg: string, library: string): string {
  return (
    `It is an optional peer dependency (\`npm install ${pkg}@4.22.0\`), and a poor choice today: its install script ` +
    `downloads ${library} from the internet, so it fails offline or where the download is refused; npm 11 does not ` +
    'run install scripts of dependencies unless you allow them (`npm approve-builds`, or pnpm\'s onlyBuiltDependencies), ' +
    'so it installs without its native library; and tfjs has published no release since 4.22.0. darl\'s own `native` ' +
    'backend gives multi-core native speed without a download; `wasm` runs everywhere. Use --backend wasm (or native where it is installed).'
  );
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
  native: {
    packageName: '@darl/native-kernels',
    tfjsName: 'wasm',
    hint:
      'It is an optional dependency of @darl/tensor-backend whose install script compiles it with g++ (Linux, Node ' +
      '≥ 20.19 headers); without it darl runs on the wasm backend, single-threaded and several times slower.',
    load: loadNative,
  },
  node: {
    packageName: '@tensorflow/tfjs-node',
    tfjsName: 'tensorflow',
    hint: tfjsNodeHint('@tensorflow/tfjs-node', 'libtensorflow (TensorFlow 2.9.1, CPU build)'),
    load: () => importOptional('@tensorflow/tfjs-node'),
  },
  'node-gpu': {
    packageName: '@tensorflow/tfjs-node-gpu',
    tfjsName: 'tensorflow',
    hint: tfjsNodeHint('@tensorflow/tfjs-node-gpu', 'the GPU build of libtensorflow (TensorFlow 2.9.1), which also needs CUDA 11.2 and cuDNN 8.1 on Linux x86-64'),
    load: () => importOptional('@tensorflow/tfjs-node-gpu'),
  },
  webgpu: {
    packageName: '@tensorflow/tfjs-backend-webgpu',
    tfjsName: 'webgpu',
    hint: `It is an optional peer dependency (\`npm install @tensorflow/tfjs-backend-webgpu@4.22.0\`). ${WEBGPU_SETUP_HINT}`,
    load: () => loadWebGpu(),
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
  /** For `native`: threads of its kernels, where that count came from, and the compiled GEMM microkernel. */
  readonly native?: {
    /** Threads the native kernels run on. */
    readonly threads: number;
    /** Where that count came from (an option, an environment variable, or the core count). */
    readonly threadsFrom: string;
    /** Name of the GEMM microkernel compiled for this CPU. */
    readonly gemmKernel: string;
  };
  /** For `webgpu`: the adapter it runs on (vendor, architecture, software fallback or not). */
  readonly webgpu?: WebGpuAdapterInfo;
  /** Names of darl's kernel overrides installed for this backend. */
  readonly kernelOverrides: readonly string[];
  /** For `auto`: each backend tried before this one and why it was skipped. */
  readonly skipped: readonly {
    /** The backend that was tried. */
    name: BackendName;
    /** Why it was not used (its error message). */
    reason: string;
  }[];
  /**
   * Why this backend: `requested by name`, or for `auto` the order it tried, what it skipped and why the chosen one
   * ranks above the rest ({@link AUTO_REASONS}); `darl info` prints it.
   */
  readonly reason: string;
}

/** Options for {@link useBackend}. */
export interface UseBackendOptions {
  /**
   * Loads the backend package instead of `import()`ing it by name, e.g. `() => import('@tensorflow/tfjs-node')`
   * from a bundled app, or a module object already imported by the caller. For `webgpu`, darl still finds (and
   * reports) the adapter first, then calls `load` for `@tensorflow/tfjs-backend-webgpu`.
   */
  readonly load?: () => Promise<unknown>;
  /** Install darl's fast kernel overrides for this backend (default true). */
  readonly kernelOverrides?: boolean;
  /**
   * wasm only: where the browser fetches the backend's `.wasm` files from — a folder URL ending in `/` (e.g.
   * `'/assets/tfjs-wasm/'` where your app serves `node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm`), or a map
   * from file name (`tfjs-backend-wasm.wasm`, `tfjs-backend-wasm-simd.wasm`, `tfjs-backend-wasm-threaded-simd.wasm`)
   * to URL. Passed to the package's `setWasmPaths` before the backend initialises. Not needed under Node.
   */
  readonly wasmPaths?: string | Readonly<Record<string, string>>;
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

async function initialise(name: BackendName, opts: UseBackendOptions, auto = false): Promise<BackendInfo> {
  const spec = SPECS[name];
  if (opts.wasmPaths !== undefined && name !== 'wasm') {
    throw new BackendUnavailableError(name, `useBackend("${name}"): wasmPaths applies to the wasm backend only; drop it or choose "wasm".`);
  }
  const notWorthProbing = name === 'webgpu' && auto ? webgpuNotWorthProbing() : null;
  if (notWorthProbing !== null) throw new BackendUnavailableError(name, notWorthProbing);
  let mod: unknown;
  try {
    mod = await (name === 'webgpu' ? loadWebGpu(opts.load) : (opts.load ?? spec.load)());
  } catch (err) {
    if (err instanceof UserError) throw new BackendUnavailableError(name, err.message);
    if (isModuleNotFound(err, spec.packageName)) {
      throw new BackendUnavailableError(name, `Backend "${name}" needs the package ${spec.packageName}, which is not installed. ${spec.hint}`);
    }
    throw new BackendUnavailableError(
      name,
      `Backend "${name}": ${spec.packageName} is installed but failed to load (${firstLine(err)}). ${spec.hint}`,
    );
  }
  if (name === 'webgpu' && auto && webgpuAdapter?.fallback) {
    const a = webgpuAdapter;
    throw new BackendUnavailableError(
      name,
      `Backend "webgpu": the only adapter is a software one (${[a.vendor, a.architecture].filter(Boolean).join(' / ') || 'fallback'}), ` +
        'slower than the CPU backends; auto does not choose it. Ask for it by name (--backend webgpu) to run on it anyway.',
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
  if (opts.wasmPaths !== undefined) setWasmPaths(mod, opts.wasmPaths);
  let ok: boolean;
  try {
    ok = await tf.setBackend(spec.tfjsName);
    await tf.ready();
  } catch (err) {
    throw new BackendUnavailableError(name, `Backend "${name}" failed to initialise: ${firstLine(err)}. ${spec.hint}`);
  }
  if (!ok) throw new BackendUnavailableError(name, `Backend "${name}" failed to initialise (tfjs refused it). ${spec.hint}`);
  if (name === 'webgpu') watchWebGpuDevice(tf.backend());
  await ensureGradients();
  warnIfDuplicateTfjs();
  quietFirstUseNotice();
  await loadKernelOverrides(name);
  const kernelOverrides = opts.kernelOverrides === false ? uninstallKernelOverrides(name) : installKernelOverrides(name);
  const floatPrecision = tf.backend().floatPrecision() === 16 ? 16 : 32;
  let simd: boolean | undefined;
  let threads: boolean | undefined;
  if (spec.tfjsName === 'wasm') {
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
    ...(name === 'webgpu' && webgpuAdapter ? { webgpu: webgpuAdapter } : {}),
    ...(name === 'native' && nativeLoaded
      ? { native: { threads: nativeLoaded.threads, threadsFrom: nativeLoaded.threadsFrom, gemmKernel: nativeLoaded.gemmKernel } }
      : {}),
    kernelOverrides,
    skipped: [],
    reason: `requested by name ("${name}")`,
  };
}

/** Calls the wasm package's `setWasmPaths` (found on the loaded module, or its default export). */
function setWasmPaths(mod: unknown, paths: string | Readonly<Record<string, string>>): void {
  type WasmModule = { setWasmPaths?: (p: string | Record<string, string>) => void };
  const m = mod as (WasmModule & { default?: WasmModule }) | null | undefined;
  const fn = m?.setWasmPaths ?? m?.default?.setWasmPaths;
  if (typeof fn !== 'function') {
    throw new BackendUnavailableError(
      'wasm',
      'useBackend("wasm", { wasmPaths }): the loaded module has no setWasmPaths; `load` must resolve to the @tensorflow/tfjs-backend-wasm module.',
    );
  }
  if (typeof paths === 'string' && !paths.endsWith('/')) {
    throw new BackendUnavailableError('wasm', `useBackend("wasm"): wasmPaths "${paths}" must be a folder URL ending in "/", or a map from .wasm file name to URL.`);
  }
  fn(typeof paths === 'string' ? paths : { ...paths });
}

/** The cpu backend prints a "use tfjs-node" banner on first use; darl chooses backends deliberately. */
function quietFirstUseNotice(): void {
  const b = tf.backend() as unknown as { firstUse?: boolean };
  if (typeof b.firstUse === 'boolean') b.firstUse = false;
}

/**
 * Selects and initialises a tfjs backend, registers gradients if the loaded tfjs-core lacks them, and installs darl's
 * kernel overrides for it. Resolves to what was chosen; rejects with a {@link BackendUnavailableError} whose message
 * names the package to install and why it may be missing. Under Node it removes the `uncaughtException` /
 * `unhandledRejection` listeners that the wasm backend's Emscripten glue adds while starting (they rethrow, and Node
 * then printed its minified source before every uncaught error); listeners the program added itself stay.
 *
 * @example
 * const info = await useBackend('wasm');
 * console.log(info.name, info.simd);
 */
export async function useBackend(name: BackendName | 'auto', opts: UseBackendOptions = {}): Promise<BackendInfo> {
  // The wasm backend's Emscripten glue adds rethrowing crash handlers under Node; they would print its minified
  // source before every uncaught error of the program.
  return withoutAddedCrashHandlers(() => selectBackend(name, opts));
}

async function selectBackend(name: BackendName | 'auto', opts: UseBackendOptions): Promise<BackendInfo> {
  if (name !== 'auto') {
    if (!(name in SPECS)) {
      throw new BackendUnavailableError(
        name,
        `Unknown backend "${String(name)}". Choose one of: ${BACKEND_CHOICES.join(', ')}.`,
      );
    }
    return initialise(name, opts);
  }
  if (opts.load) throw new Error('useBackend("auto") cannot take a `load` function: name the backend it loads.');
  const skipped: { name: BackendName; reason: string }[] = [];
  for (const candidate of BACKENDS_FASTEST_FIRST) {
    try {
      const info = await initialise(candidate, opts, true);
      return { ...info, skipped, reason: autoReason(candidate, skipped) };
    } catch (err) {
      skipped.push({ name: candidate, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  throw new BackendUnavailableError(
    'cpu',
    `No backend could be initialised:\n${skipped.map((s) => `  ${s.name}: ${s.reason}`).join('\n')}`,
  );
}

/** Why `auto` chose `name` after skipping `skipped`. */
function autoReason(name: BackendName, skipped: readonly { name: BackendName }[]): string {
  const order = BACKENDS_FASTEST_FIRST.join(' > ');
  const skippedText = skipped.length ? `; skipped ${skipped.map((s) => s.name).join(', ')}` : '';
  return `auto picks the fastest backend that initialises (order: ${order}; webgpu only on a hardware adapter)${skippedText}; ${name}: ${AUTO_REASONS[name]}`;
}

/** The npm package that provides a backend, e.g. for `darl info`. */
export function backendPackage(name: BackendName): string {
  return SPECS[name].packageName;
}
