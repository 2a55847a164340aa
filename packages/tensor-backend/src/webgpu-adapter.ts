/**
 * Finding a WebGPU adapter for the `webgpu` backend: the browser's `navigator.gpu`, or under Node Google's Dawn
 * through the optional `webgpu` npm package, installed as `navigator.gpu` before `@tensorflow/tfjs-backend-webgpu`
 * loads (that package registers its backend only when `navigator.gpu` exists at load time).
 *
 * @module
 */
import { importOptional } from './import-optional.js';
import { UserError } from './user-error.js';

/** The WebGPU adapter the `webgpu` backend runs on, as `BackendInfo.webgpu` and `darl info` report it. */
export interface WebGpuAdapterInfo {
  /** e.g. `nvidia`, `google`; empty where the platform hides it. */
  readonly vendor: string;
  /** e.g. `hopper`, `swiftshader`. */
  readonly architecture: string;
  /** Device name where the platform gives one. */
  readonly device: string;
  /** Driver description where the platform gives one. */
  readonly description: string;
  /** True for a software adapter (SwiftShader, WARP): correct, but slower than the CPU backends. */
  readonly fallback: boolean;
  /** Where `navigator.gpu` came from: the browser's own, or Dawn through the `webgpu` npm package under Node. */
  readonly provider: 'browser' | 'dawn';
}

interface GpuAdapterLike {
  readonly info?: Record<string, unknown>;
  readonly isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(options?: Record<string, unknown>): Promise<GpuAdapterLike | null>;
}
interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

/** How to get an adapter on a machine without one, for the error messages. */
export const WEBGPU_SETUP_HINT =
  'Under Node, darl reaches WebGPU through the optional `webgpu` package (Google\'s Dawn): `npm install webgpu@0.6.2`; ' +
  'Dawn needs a Vulkan driver (Linux: the `libvulkan1` loader and your GPU\'s driver). For a software adapter on a ' +
  'machine without a GPU (correct but slow: for tests only), Debian\'s `chromium-common` ships SwiftShader; run with ' +
  '`VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json`. In a browser, use one with WebGPU enabled (Chrome ≥ 113; ' +
  'headless Chromium needs `--enable-unsafe-webgpu`). Otherwise choose --backend native or wasm.';

function currentGpu(): GpuLike | undefined {
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  return nav?.gpu ?? undefined;
}

/** Puts `gpu` at `navigator.gpu` (creating `navigator` where Node ≤ 20 has none). */
function installNavigatorGpu(gpu: GpuLike): void {
  const g = globalThis as { navigator?: object };
  if (g.navigator === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  }
  Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
}

let dawnGpu: Promise<GpuLike> | undefined;
/** The `navigator.gpu` this module installed from Dawn (so that a later call still reports the provider as Dawn). */
let installedFromDawn: GpuLike | undefined;

/** Loads Dawn once and installs it (and WebGPU's global constants such as `GPUBufferUsage`) under Node. */
function loadDawn(): Promise<GpuLike> {
  dawnGpu ??= (importOptional('webgpu') as Promise<DawnModule>).then(
    (mod) => {
      const withDefault = mod as Partial<DawnModule> & { default?: DawnModule };
      const dawn = (withDefault.create ? mod : withDefault.default) as DawnModule;
      for (const [key, value] of Object.entries(dawn.globals)) {
        if (!(key in globalThis)) Object.defineProperty(globalThis, key, { value, configurable: true, writable: true });
      }
      const gpu = dawn.create([]);
      installNavigatorGpu(gpu);
      installedFromDawn = gpu;
      return gpu;
    },
    (err: unknown) => {
      dawnGpu = undefined;
      throw err;
    },
  );
  return dawnGpu;
}

/** Vulkan's variables naming the drivers to load: where one is set, the user asked for that driver to be probed. */
const VULKAN_DRIVER_VARIABLES = ['VK_ICD_FILENAMES', 'VK_DRIVER_FILES', 'VK_ADD_DRIVER_FILES'];

/**
 * Why `auto` need not probe WebGPU at all, or null where it should: under Node on Linux with no GPU device node
 * (`/dev/dri/renderD*`, `/dev/nvidia*`) and no Vulkan driver named in the environment, Dawn could only find a software
 * adapter, and probing it costs start-up time and prints the Vulkan loader's and Mesa's warnings on stderr.
 */
export function webgpuNotWorthProbing(): string | null {
  const proc = typeof process !== 'undefined' ? process : undefined;
  if (proc?.versions?.node === undefined || proc.platform !== 'linux' || currentGpu() !== undefined) return null;
  if (VULKAN_DRIVER_VARIABLES.some((v) => proc.env[v])) return null;
  type Fs = { readdirSync(path: string): string[] };
  const fs = (proc as unknown as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule?.('fs') as Fs | undefined;
  if (fs === undefined) return null;
  const list = (dir: string): string[] => {
    try {
      return fs.readdirSync(dir);
    } catch {
      return [];
    }
  };
  if (list('/dev/dri').some((n) => n.startsWith('renderD')) || list('/dev').some((n) => /^nvidia\d/.test(n))) return null;
  return (
    'Backend "webgpu": this Linux machine has no GPU device (no /dev/dri/renderD*, no /dev/nvidia*), so auto does not ' +
    'probe WebGPU. Ask for it by name (--backend webgpu), or name a Vulkan driver in VK_ICD_FILENAMES, to probe it anyway.'
  );
}

/** Reads an adapter's description (the `info` attribute of current WebGPU; older builds have none). */
function describe(adapter: GpuAdapterLike, provider: 'browser' | 'dawn'): WebGpuAdapterInfo {
  const info = adapter.info ?? {};
  const text = (key: string): string => (typeof info[key] === 'string' ? (info[key] as string) : '');
  const fallback = info.isFallbackAdapter === true || adapter.isFallbackAdapter === true || /swiftshader|warp|llvmpipe|lavapipe/i.test(`${text('architecture')} ${text('description')} ${text('device')}`);
  return { vendor: text('vendor'), architecture: text('architecture'), device: text('device'), description: text('description'), fallback, provider };
}

/**
 * Makes `navigator.gpu` available (loading Dawn under Node when the runtime has none) and asks it for an adapter.
 * Throws a {@link UserError} naming the fix when the `webgpu` package is missing or no adapter is found.
 */
export async function findWebGpuAdapter(): Promise<WebGpuAdapterInfo> {
  let gpu = currentGpu();
  let provider: 'browser' | 'dawn' = gpu !== undefined && gpu === installedFromDawn ? 'dawn' : 'browser';
  if (gpu === undefined) {
    const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
    if (!isNode) throw new UserError(`Backend "webgpu": this browser has no navigator.gpu (WebGPU is off or unsupported). ${WEBGPU_SETUP_HINT}`);
    try {
      gpu = await loadDawn();
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      const missing = /Cannot find (module|package) 'webgpu'|ERR_MODULE_NOT_FOUND/.test(msg) && msg.includes('webgpu');
      throw new UserError(
        missing
          ? `Backend "webgpu" needs the package webgpu (Dawn for Node), which is not installed. ${WEBGPU_SETUP_HINT}`
          : `Backend "webgpu": the webgpu package (Dawn) failed to load (${msg.split('\n')[0]}). ${WEBGPU_SETUP_HINT}`,
      );
    }
    provider = 'dawn';
  }
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
  if (adapter == null) {
    throw new UserError(`Backend "webgpu": WebGPU found no adapter on this machine (no GPU driver it can use). ${WEBGPU_SETUP_HINT}`);
  }
  return describe(adapter, provider);
}
