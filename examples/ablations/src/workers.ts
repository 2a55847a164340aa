/**
 * `--workers N`: the run list is split over N child processes of this recipe, each single-threaded
 * (`DARL_NUM_THREADS=1`, the size of the native kernels' thread pool), so two of them use the two cores side by
 * side. A child writes one JSON line per finished run to `<out>/worker-<i>.jsonl`; the parent reads them when every
 * child is done.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunRow } from './run-one.js';

/** The job of a worker: index `index` of `count` takes every `count`-th (setting, seed) of the run list. */
export interface WorkerSlot {
  readonly index: number;
  readonly count: number;
}

/** The file a worker writes its rows to. */
export const workerFile = (out: string, index: number): string => join(out, `worker-${index}.jsonl`);

/** Runs `count` children of this script with `args` plus `--worker i/count --out out`; resolves with every row. */
export async function runWorkers(count: number, args: readonly string[], out: string): Promise<RunRow[]> {
  const script = process.argv[1]!;
  const children = Array.from({ length: count }, (_, index) =>
    new Promise<void>((resolveChild, reject) => {
      const child = spawn(process.execPath, [...process.execArgv, script, ...args, '--worker', `${index}/${count}`, '--out', out], {
        stdio: 'inherit',
        env: { ...process.env, DARL_NUM_THREADS: '1' },
      });
      child.on('error', reject);
      child.on('exit', (code, signal) =>
        code === 0 ? resolveChild() : reject(new Error(`ablations: worker ${index} of ${count} ended with ${signal ?? `exit code ${code}`}; its runs so far are in ${workerFile(out, index)}.`)),
      );
    }),
  );
  await Promise.all(children);
  const rows: RunRow[] = [];
  for (let i = 0; i < count; i++) {
    const text = await readFile(workerFile(out, i), 'utf8').catch(() => '');
    for (const line of text.split('\n')) if (line.trim()) rows.push(JSON.parse(line) as RunRow);
  }
  return rows;
}

/** Parses `--worker i/n`. */
export function parseWorkerSlot(text: string): WorkerSlot {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const slot = m ? { index: Number(m[1]), count: Number(m[2]) } : null;
  if (!slot || slot.count < 1 || slot.index >= slot.count) throw new Error(`ablations: --worker takes i/n with 0 ≤ i < n (it is set by --workers), got ${text}.`);
  return slot;
}
