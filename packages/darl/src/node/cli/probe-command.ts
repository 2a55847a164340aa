/**
 * `darl probe`.
 *
 * @module
 */
import { formatProbeSweep, LINEAR_PROBE_SOLVERS, POOLINGS, READOUT_ATTENTIONS, type LinearProbeSolver, type Pooling, type ReadoutAttention } from '@darl/eval';
import { probeRun } from '../jobs/probe-run.js';
import { RunError } from '../run-error.js';
import { runPaths } from '../run-dir/index.js';
import { selectBackend } from './select-backend.js';
import type { CliIO } from './cli-io.js';

export interface ProbeCommandOptions {
  readonly run: string;
  readonly step?: number;
  readonly data?: string;
  readonly backend: string;
  readonly layers?: string;
  readonly pooling: string;
  readonly attention: string;
  readonly maxTrain?: number;
  readonly maxTest?: number;
  readonly probeSteps?: number;
  readonly solver: string;
  readonly control: boolean;
  readonly knn?: boolean;
  readonly attentive?: boolean;
  readonly ema: boolean;
  readonly seed: number;
  readonly json?: boolean;
}

function parseList<T extends string>(flag: string, raw: string, allowed: readonly T[]): T[] {
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const i of items) if (!allowed.includes(i as T)) throw new RunError(`${flag}: "${i}" is not one of ${allowed.join(', ')}.`);
  if (!items.length) throw new RunError(`${flag}: give at least one of ${allowed.join(', ')}.`);
  return items as T[];
}

export async function runProbeCommand(opts: ProbeCommandOptions, io: CliIO): Promise<void> {
  const poolings = parseList<Pooling>('--pooling', opts.pooling, POOLINGS);
  const attentions = parseList<ReadoutAttention>('--attention', opts.attention, READOUT_ATTENTIONS);
  const layers = opts.layers?.split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 0) throw new RunError(`--layers: "${s}" is not a layer number.`);
    return n;
  });
  const [solver] = parseList<LinearProbeSolver>('--solver', opts.solver, LINEAR_PROBE_SOLVERS);
  const backend = await selectBackend(opts.backend);
  const { result, json, report } = await probeRun({
    run: opts.run,
    ...(opts.step !== undefined ? { step: opts.step } : {}),
    ...(opts.data ? { data: opts.data } : {}),
    ...(layers ? { layers } : {}),
    poolings,
    attentions,
    ...(opts.maxTrain ? { maxTrain: opts.maxTrain } : {}),
    ...(opts.maxTest ? { maxTest: opts.maxTest } : {}),
    ...(opts.probeSteps ? { probeSteps: opts.probeSteps } : {}),
    solver: solver!,
    control: opts.control,
    knn: Boolean(opts.knn),
    attentive: Boolean(opts.attentive),
    ema: opts.ema,
    seed: opts.seed,
    backend: backend.name,
    onProgress: (m) => io.stderr(`darl: ${m}\n`),
  });
  if (opts.json) io.stdout(`${JSON.stringify({ command: 'probe', ...json, report })}\n`);
  else {
    io.stdout(`${formatProbeSweep(result)}\n`);
    const pct = (x: number | undefined): string => (x === undefined ? '—' : `${(x * 100).toFixed(2)} %`);
    if (json.randomInit) io.stdout(`random-init control, its best cell (layer ${json.randomInit.layer}, ${json.randomInit.pooling}, ${json.randomInit.attention}): ${pct(json.randomInit.testAccuracy)}\n`);
    if (json.knn) io.stdout(`kNN (k=${json.knn.k}) on the best cell: ${pct(json.knn.testAccuracy)} (random init ${pct(json.knn.randomInitTestAccuracy)}, pixels ${pct(json.knn.pixelsTestAccuracy)})\n`);
    if (json.attentive) io.stdout(`attentive probe on layer ${json.attentive.layer}: ${pct(json.attentive.testAccuracy)} (random init ${pct(json.attentive.randomInitTestAccuracy)})\n`);
    io.stderr(`darl: wrote ${runPaths(opts.run).probe} and ${report}\n`);
  }
}
