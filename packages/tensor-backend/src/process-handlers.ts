/**
 * Keeping the process's crash handlers the user's own. The wasm backend's Emscripten glue, when it starts under Node,
 * adds `uncaughtException` and `unhandledRejection` listeners that rethrow; Node then prints the line of the rethrow
 * (about 38 KB of minified source) before any uncaught error, even one that has nothing to do with tfjs.
 *
 * @module
 */

/** The process events Emscripten's Node glue listens to. */
const CRASH_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

interface ProcessLike {
  listeners(event: string): ((...args: unknown[]) => void)[];
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
}

function nodeProcess(): ProcessLike | undefined {
  const p = (globalThis as { process?: Partial<ProcessLike> }).process;
  return typeof p?.listeners === 'function' && typeof p.removeListener === 'function' ? (p as ProcessLike) : undefined;
}

/**
 * Runs `fn` (which loads or initialises a backend) and then removes the `uncaughtException` / `unhandledRejection`
 * listeners that were added while it ran, so that an uncaught error prints as itself. Listeners present before are
 * kept. Outside Node it just runs `fn`.
 */
export async function withoutAddedCrashHandlers<T>(fn: () => Promise<T>): Promise<T> {
  const proc = nodeProcess();
  if (!proc) return fn();
  const before = new Map(CRASH_EVENTS.map((e) => [e, new Set(proc.listeners(e))]));
  try {
    return await fn();
  } finally {
    for (const event of CRASH_EVENTS) {
      for (const listener of proc.listeners(event)) if (!before.get(event)!.has(listener)) proc.removeListener(event, listener);
    }
  }
}
