/**
 * A lost WebGPU device (driver reset, GPU out of memory, the browser reclaiming the GPU, `device.destroy()`) as a user
 * error. tfjs-backend-webgpu does not watch `device.lost`: after a loss its kernels record into a dead device, reads
 * reject with an empty message, and in Chromium synchronous reads return zeros. darl watches the device of the webgpu
 * backend it set up and, once the device is lost, makes every dispatch, upload and read of that backend throw a
 * {@link BackendUnavailableError} instead; `useBackend('webgpu')` then starts over on a new device.
 *
 * @module
 */
import { BackendUnavailableError } from './backend-unavailable-error.js';

/** What `GPUDevice.lost` resolves to. */
interface DeviceLostInfo {
  readonly reason: string;
  readonly message: string;
}

/** The parts of tfjs-backend-webgpu's `WebGPUBackend` instance this module touches. */
interface WebGpuBackendLike {
  readonly device?: { readonly lost?: Promise<DeviceLostInfo> };
  [method: string]: unknown;
}

/** The user error every use of the webgpu backend throws after its device was lost: what happened and what to do. */
function deviceLostError(lost: DeviceLostInfo): BackendUnavailableError {
  return new BackendUnavailableError(
    'webgpu',
    `Backend "webgpu": the GPU device was lost (${lost.reason || 'unknown'}${lost.message ? `: ${lost.message}` : ''}), and ` +
      'the tensors on it with it. This happens when the GPU driver resets, the GPU runs out of memory, or the browser ' +
      'takes the GPU back (Chromium also does so after a synchronous read such as dataSync() on WebGPU). Call ' +
      'useBackend("webgpu") again to start on a new device and continue from the last checkpoint (darl pretrain --resume <run>), ' +
      'or choose --backend native or wasm.',
  );
}

/** Backend methods that dispatch, upload or read: each throws once the device is lost. */
const GUARDED_SYNC = ['runWebGPUProgram', 'readSync', 'readToGPU', 'write', 'uploadToGPU'] as const;

/** A watched backend instance and how its device was lost (undefined while it is alive). */
interface DeviceState {
  lost?: DeviceLostInfo;
}
const watched = new WeakMap<object, DeviceState>();
/** The state of the backend instance darl set up last. */
let current: DeviceState | undefined;

/**
 * Starts watching the device of a tfjs-backend-webgpu backend instance (once per instance): from the moment its
 * `device.lost` resolves, its dispatches, uploads and reads throw a {@link BackendUnavailableError}, and a read in
 * flight rejects with it rather than hanging.
 */
export function watchWebGpuDevice(backend: object): void {
  const b = backend as WebGpuBackendLike;
  const known = watched.get(b);
  if (known) {
    current = known;
    return;
  }
  const lostPromise = b.device?.lost;
  if (lostPromise === undefined) return;
  const state: DeviceState = {};
  watched.set(b, state);
  current = state;
  const lostError = lostPromise.then((info) => {
    state.lost = { reason: String(info?.reason ?? 'unknown'), message: String(info?.message ?? '') };
    return deviceLostError(state.lost);
  });
  const check = (): void => {
    if (state.lost) throw deviceLostError(state.lost);
  };
  for (const name of GUARDED_SYNC) {
    const original = b[name];
    if (typeof original !== 'function') continue;
    b[name] = function guarded(this: unknown, ...args: unknown[]): unknown {
      check();
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
  const read = b.read;
  if (typeof read === 'function') {
    b.read = function guardedRead(this: unknown, ...args: unknown[]): Promise<unknown> {
      check();
      const reading = Promise.resolve((read as (...a: unknown[]) => unknown).apply(this, args));
      // Whichever settles first: the data, or the loss (a read on a lost device may never complete).
      return Promise.race([reading, lostError.then((e) => Promise.reject(e))]).catch(async (err: unknown) => {
        if (state.lost || (await settlesSoon(lostError))) throw deviceLostError(state.lost!);
        throw err;
      });
    };
  }
}

/** Whether `p` settles within a few event-loop turns (Dawn reports a loss shortly after the failed read). */
async function settlesSoon(p: Promise<unknown>): Promise<boolean> {
  const done = await Promise.race([p.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 100))]);
  return done;
}

/**
 * How the device of the webgpu backend darl set up last was lost, or undefined while it is alive (or none was set up).
 * `useBackend('webgpu')` uses it to replace a dead backend.
 */
export function webgpuDeviceLoss(): DeviceLostInfo | undefined {
  return current?.lost;
}
