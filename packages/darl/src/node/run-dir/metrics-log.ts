/**
 * Writing `metrics.jsonl` (one JSON object per line, each with its `step`) so that it always agrees with the committed
 * checkpoint, whatever instant a run is killed at:
 *
 * - a new run starts it empty;
 * - a resume drops the lines of steps after the committed checkpoint (they were never committed) and appends;
 * - a rewind (`--from-step` to a checkpoint older than the committed one) must not drop the committed steps after it
 *   before anything new is committed. Its lines go to `metrics.rewind.jsonl`, whose first line names the checkpoint
 *   committed when the rewind began; the first commit of the rewound run then replaces the abandoned steps by them.
 *   A run killed in between leaves the side file behind, and the next writer settles it: discarded when
 *   `latest.json` still names that checkpoint (the rewind committed nothing), merged when the pointer moved.
 *
 * @module
 */
import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { errnoCode, fileSystemError, writeFileAtomic } from '@darl/tensor-backend/node';
import type { Latest } from '../../run-dir/latest-file.js';
import { metricsLineText, type MetricsLineInput } from '../../run-dir/metrics-file.js';
import { runPaths } from './layout.js';

/** The metrics log of a run being written. */
export interface MetricsLog {
  /** Appends one line: a logged step or an event (`run-dir/metrics-file.ts`). */
  append(line: MetricsLineInput): Promise<void>;
  /** Tells the log that a checkpoint was committed: a rewound log now replaces the abandoned steps. */
  committed(): Promise<void>;
}

/** Where a run's log starts: a new run (null), or a resume from checkpoint `step`. */
export type MetricsStart = null | {
  readonly step: number;
  /** With a rewind: the pointer committed before it (its checkpoint is newer than `step`). */
  readonly rewindFrom?: Latest;
};

/** First line of `metrics.rewind.jsonl`. */
interface RewindHeader {
  readonly event: 'rewind';
  /** The step the run was rewound to. */
  readonly step: number;
  /** `latest.json`'s `dir` when the rewind began. */
  readonly from: string;
}

const LOG_FIX = 'The last committed checkpoint is unchanged; free space and resume with --resume.';

/** The lines of a log text whose `step` is at most `step` (blank, unparseable and step-less lines are dropped). */
export function linesUpTo(text: string, step: number): string[] {
  return text.split('\n').filter((line) => {
    if (!line.trim()) return false;
    try {
      const s = (JSON.parse(line) as { step?: unknown }).step;
      return typeof s === 'number' && s <= step;
    } catch {
      return false;
    }
  });
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw fileSystemError(err, path, 'read the metrics log');
  }
}

function parseHeader(line: string | undefined): RewindHeader | null {
  try {
    const h = JSON.parse(line ?? '') as Partial<RewindHeader>;
    return h.event === 'rewind' && typeof h.step === 'number' && typeof h.from === 'string' ? (h as RewindHeader) : null;
  } catch {
    return null;
  }
}

/** `metrics.jsonl` := its lines up to `step`, then `lines`; then the side file goes. */
async function merge(dir: string, step: number, lines: readonly string[]): Promise<void> {
  const paths = runPaths(dir);
  const kept = [...linesUpTo((await readOptional(paths.metrics)) ?? '', step), ...lines];
  try {
    await writeFileAtomic(paths.metrics, kept.length ? `${kept.join('\n')}\n` : '');
    await rm(paths.metricsRewind, { force: true });
  } catch (err) {
    throw fileSystemError(err, paths.metrics, 'rewrite the metrics log', LOG_FIX);
  }
}

/**
 * Settles the side file of a rewind that a killed run left behind, against the committed pointer `latest`: merged
 * when the rewound run committed a checkpoint, discarded when it did not. Left alone without a pointer. Only the lock
 * holder calls it.
 */
export async function settleMetrics(dir: string, latest: Latest | null): Promise<void> {
  const paths = runPaths(dir);
  const side = await readOptional(paths.metricsRewind);
  if (side === null || latest === null) return;
  const [first, ...rest] = side.split('\n').filter((line) => line.trim());
  const header = parseHeader(first);
  if (header !== null && header.from !== latest.dir) await merge(dir, header.step, rest);
  else await rm(paths.metricsRewind, { force: true });
}

/** Opens the metrics log of a run being written (after {@link settleMetrics}), starting at `start`. */
export async function openMetricsLog(dir: string, start: MetricsStart): Promise<MetricsLog> {
  const paths = runPaths(dir);
  let rewind = start?.rewindFrom !== undefined ? start.step : null;
  try {
    if (start === null) {
      await writeFile(paths.metrics, '');
      await rm(paths.metricsRewind, { force: true });
    } else if (rewind === null) {
      const kept = linesUpTo((await readOptional(paths.metrics)) ?? '', start.step);
      await writeFileAtomic(paths.metrics, kept.length ? `${kept.join('\n')}\n` : '');
    } else {
      const header: RewindHeader = { event: 'rewind', step: start.step, from: start.rewindFrom!.dir };
      await writeFileAtomic(paths.metricsRewind, `${JSON.stringify(header)}\n`);
    }
  } catch (err) {
    throw fileSystemError(err, dir, 'start the metrics log');
  }
  return {
    async append(line) {
      const path = rewind === null ? paths.metrics : paths.metricsRewind;
      try {
        await appendFile(path, metricsLineText(line));
      } catch (err) {
        throw fileSystemError(err, path, 'append to the metrics log', LOG_FIX);
      }
    },
    async committed() {
      if (rewind === null) return;
      const side = (await readOptional(paths.metricsRewind)) ?? '';
      await merge(dir, rewind, side.split('\n').filter((line) => line.trim()).slice(1));
      rewind = null;
    },
  };
}
