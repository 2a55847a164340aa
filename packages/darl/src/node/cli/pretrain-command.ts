/**
 * `darl pretrain`.
 *
 * @module
 */
import { join } from 'node:path';
import { composeRunConfig } from './compose-config.js';
import { selectBackend } from './select-backend.js';
import type { CliIO } from './cli-io.js';
import { pretrain, RunError } from '../pretrain.js';
import { writeReport } from '../report/index.js';
import { disposeTree } from '@darl/tensor-backend';
import { paramTree } from '../../model/darl-model.js';

export interface PretrainCommandOptions {
  readonly config?: string;
  readonly preset?: string;
  readonly set: string[];
  readonly data?: string;
  readonly backend: string;
  readonly seed?: number;
  readonly out?: string;
  readonly resume?: string;
  readonly fromStep?: number;
  readonly stopAt?: number;
  readonly progress: 'auto' | 'bar' | 'lines' | 'none';
  readonly report: boolean;
  readonly json?: boolean;
}

/** Default run directory: runs/<UTC timestamp>. */
function defaultOut(): string {
  return join('runs', new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z'));
}

export async function runPretrainCommand(opts: PretrainCommandOptions, io: CliIO): Promise<void> {
  if (opts.resume && (opts.config || opts.preset || opts.set.length || opts.seed !== undefined || opts.out)) {
    throw new RunError('--resume continues a run with its own saved config.json; drop --config, --preset, --set, --seed and --out.');
  }
  const run = opts.resume ? undefined : await composeRunConfig({ ...opts, configFile: opts.config });
  const backend = await selectBackend(opts.backend);
  const out = opts.resume ?? opts.out ?? defaultOut();
  io.stderr(`darl: backend ${backend.name}${backend.simd !== undefined ? ` (simd ${backend.simd ? 'on' : 'off'})` : ''}; run directory ${out}\n`);
  const result = await pretrain({
    ...(run ? { run } : {}),
    data: opts.resume ? opts.data : (opts.data ?? 'mnist'),
    ...(opts.fromStep !== undefined ? { fromStep: opts.fromStep } : {}),
    out,
    resume: Boolean(opts.resume),
    backend,
    progress: opts.progress,
    write: io.stderr,
    ...(opts.stopAt ? { stopAt: opts.stopAt } : {}),
  });
  disposeTree(paramTree(result.params));
  const report = opts.report ? await writeReport(out) : null;
  const summary = {
    command: 'pretrain',
    out,
    step: result.step,
    finished: result.finished,
    finalLoss: result.finalLoss,
    evalLoss: result.evalLoss,
    imagesPerSec: result.imagesPerSec,
    wallSeconds: result.wallSeconds,
    backend: backend.name,
    report,
  };
  if (opts.json) io.stdout(`${JSON.stringify(summary)}\n`);
  else {
    io.stderr(
      `darl: ${result.finished ? 'finished' : 'stopped'} at step ${result.step}: loss ${result.finalLoss.toFixed(5)}` +
        `${result.evalLoss !== null ? `, held-out loss ${result.evalLoss.toFixed(5)}` : ''}, ${result.imagesPerSec.toFixed(1)} img/s, ` +
        `${result.wallSeconds.toFixed(1)} s\n`,
    );
    if (report) io.stderr(`darl: report ${report}\n`);
  }
}
