/**
 * `darl pretrain`.
 *
 * @module
 */
import { join } from 'node:path';
import { composeRunConfig, type ComposedRunConfig } from './compose-config.js';
import { selectBackend } from './select-backend.js';
import type { CliIO } from './cli-io.js';
import type { ProgressMode } from '../progress.js';
import { SIGNAL_EXIT, stopGracefully } from './graceful-stop.js';
import { checkFromStep, DEFAULT_DATA, planPretrain, pretrain, type PlanOptions } from '../pretrain.js';
import { RunError } from '../run-error.js';
import { RUN_FILES, runPaths } from '../run-dir/index.js';
import { countParameters } from '@darl/tensor-backend';
import { resolveRunConfig } from '../../config/resolve.js';
import { initDarlParams } from '../../model/darl-model.js';
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
  readonly progress: ProgressMode;
  readonly report: boolean;
  readonly json?: boolean;
  /** Print the fully resolved run config (what config.json would record) on stdout and exit; nothing is written. */
  readonly printConfig?: boolean;
  /** Validate everything a run checks before its first step (config, data, batch, model, memory) and exit; nothing is written. */
  readonly dryRun?: boolean;
}

/** Default run directory: runs/<UTC timestamp>. */
function defaultOut(): string {
  return join('runs', new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z'));
}

export async function runPretrainCommand(opts: PretrainCommandOptions, io: CliIO): Promise<number> {
  checkFromStep(Boolean(opts.resume), opts.fromStep);
  if (opts.resume && (opts.config || opts.preset || opts.set.length || opts.seed !== undefined || opts.out)) {
    throw new RunError(`--resume continues a run with its own saved ${RUN_FILES.config}; drop --config, --preset, --set, --seed and --out.`);
  }
  if ((opts.printConfig || opts.dryRun) && opts.resume) {
    throw new RunError(`--print-config and --dry-run describe a new run; a run directory's own config is ${runPaths(opts.resume).config}, and \`darl info --run ${opts.resume}\` lists its checkpoints.`);
  }
  const run = opts.resume ? undefined : await composeRunConfig({ ...opts, configFile: opts.config });
  if (run && (opts.printConfig || opts.dryRun)) return planRun(run, opts, io);
  const backend = await selectBackend(opts.backend);
  const out = opts.resume ?? opts.out ?? defaultOut();
  const controller = new AbortController();
  const signals = stopGracefully(controller, io);
  const result = await pretrain({
    signal: controller.signal,
    ...(run ? { run: run.input, configSource: run.source } : {}),
    data: opts.resume ? opts.data : (opts.data ?? DEFAULT_DATA),
    ...(opts.fromStep !== undefined ? { fromStep: opts.fromStep } : {}),
    out,
    resume: Boolean(opts.resume),
    backend,
    progress: opts.progress,
    write: io.stderr,
    ...(opts.stopAt ? { stopAt: opts.stopAt } : {}),
    onPlanned: () => io.stderr(`darl: backend ${backend.name}${backend.simd !== undefined ? ` (simd ${backend.simd ? 'on' : 'off'})` : ''}; run directory ${out}\n`),
  }).finally(() => signals.remove());
  if (result.interrupted) {
    disposeTree(paramTree(result.params));
    const signal = signals.received() ?? 'SIGINT';
    io.stderr(
      result.step > 0
        ? `darl: stopped at step ${result.step}; the checkpoint is committed. Continue with: darl pretrain --resume ${out}\n`
        : `darl: stopped before the first step; nothing to resume. Start again with the same command.\n`,
    );
    return SIGNAL_EXIT[signal];
  }
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
  return 0;
}

/**
 * `--print-config` and `--dry-run`: the plan of a new run (see `planPretrain`) — the config, the data's image shape and
 * size against the batch, the model and whether it fits the backend — without creating the run directory.
 */
async function planRun(composed: ComposedRunConfig, opts: PretrainCommandOptions, io: CliIO): Promise<number> {
  const data = opts.data ?? DEFAULT_DATA;
  const planOptions: PlanOptions = { run: composed.input, configSource: composed.source, data };
  if (opts.printConfig) {
    const { run } = await planPretrain(planOptions);
    io.stdout(`${JSON.stringify(resolveRunConfig(run), null, 2)}\n`);
    return 0;
  }
  const out = opts.out ?? defaultOut();
  const backend = await selectBackend(opts.backend);
  const { run, train, model } = await planPretrain({ ...planOptions, out });
  const params = paramTree(initDarlParams(model, { seed: run.train.seed }));
  const parameters = countParameters(params);
  disposeTree(params);
  const summary = { command: 'pretrain', dryRun: true, out, data, images: train.size, image: run.model.image, parameters, steps: run.train.steps, batchSize: run.train.batchSize, backend: backend.name };
  if (opts.json) io.stdout(`${JSON.stringify(summary)}\n`);
  else {
    io.stderr(
      `darl: dry run: ${run.model.objective} model with ${(parameters / 1e6).toFixed(3)} M parameters on ${train.size} images ` +
        `(${run.model.image.height}×${run.model.image.width}×${run.model.image.channels}) of ${data}, ${run.train.steps} steps of ${run.train.batchSize} on ${backend.name}; ` +
        `it would write ${out}. Nothing was written.\n`,
    );
  }
  return 0;
}
