/**
 * How a training command stops early. The first SIGINT (Ctrl-C), SIGTERM (`kill`, `docker stop`, `timeout`, a
 * supervisor) or SIGHUP (the terminal or ssh session closed) — or the exit of the package manager that launched darl —
 * asks the run to finish its current step and commit a checkpoint. A second signal ends the process at once, at any
 * moment, even in the middle of a step: committed checkpoints are whole on disk, so this is safe.
 *
 * Package managers (`pnpm run`, `npm exec`/`npx`, `yarn`) start darl through `sh -c`, and a SIGTERM sent to them
 * reaches that shell but not darl. darl therefore watches its parent when a package manager started it (they set
 * `npm_lifecycle_event`): once the parent process exits, darl stops as on SIGTERM. Scripts that start darl with
 * `sh -c` themselves should `exec darl …`, so that the signal reaches darl.
 *
 * @module
 */
import type { CliIO } from './cli-io.js';

/** Exit codes of a run stopped by a signal (128 + signal number, as shells report them). */
export const SIGNAL_EXIT = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;

/** A signal that stops a run gracefully. */
export type StopSignal = keyof typeof SIGNAL_EXIT;

const STOP_SIGNALS = Object.keys(SIGNAL_EXIT) as StopSignal[];

/** How often the launcher watch reads the parent pid, in milliseconds. */
export const LAUNCHER_POLL_MS = 500;

/** Options of {@link stopGracefully}. */
export interface GracefulStopOptions {
  /** Stop when the parent process exits (default: when a package manager started darl). */
  readonly watchLauncher?: boolean;
}

/** What {@link stopGracefully} returns. */
export interface GracefulStop {
  /** The signal that stopped the run (a launcher's exit counts as SIGTERM), or null. */
  received(): StopSignal | null;
  /** Removes the handlers and the launcher watch. */
  remove(): void;
}

/** Whether a package manager (pnpm, npm, npx, yarn) started this process: they all set `npm_lifecycle_event`. */
export function startedByPackageManager(env: NodeJS.ProcessEnv = process.env): boolean {
  return typeof env['npm_lifecycle_event'] === 'string' && env['npm_lifecycle_event'] !== '';
}

/**
 * Aborts `controller` on the first stop signal or when the launcher exits; exits at once on a second signal.
 *
 * The handlers stay installed until the signals queued meanwhile were delivered (two signals sent during one
 * synchronous step arrive together: the second one exits), then they are removed so that a later signal ends the
 * process immediately, even during a step, by the signal's default action.
 */
export function stopGracefully(controller: AbortController, io: CliIO, opts: GracefulStopOptions = {}): GracefulStop {
  let received: StopSignal | null = null;
  let removed = false;
  const parent = process.ppid;
  const watch = (opts.watchLauncher ?? startedByPackageManager()) ? setInterval(checkLauncher, LAUNCHER_POLL_MS).unref() : null;

  function remove(): void {
    if (removed) return;
    removed = true;
    for (const s of STOP_SIGNALS) process.removeListener(s, onSignal);
    if (watch) clearInterval(watch);
  }
  function stop(signal: StopSignal, why: string): void {
    received = signal;
    if (watch) clearInterval(watch);
    io.stderr(`\ndarl: ${why}: finishing the current step and saving a checkpoint (send SIGINT/SIGTERM again to quit at once).\n`);
    controller.abort();
    // Signals already queued are delivered before this runs; later ones get the default action (the process ends).
    setImmediate(remove);
  }
  function onSignal(signal: NodeJS.Signals): void {
    if (received === null) stop(signal as StopSignal, signal);
    else {
      io.stderr(`darl: ${signal} again: quitting now; the last committed checkpoint is intact.\n`);
      process.exit(SIGNAL_EXIT[signal as StopSignal]);
    }
  }
  function checkLauncher(): void {
    if (received === null && process.ppid !== parent) stop('SIGTERM', `the process that launched darl (pid ${parent}) exited`);
  }
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  return { received: () => received, remove };
}
