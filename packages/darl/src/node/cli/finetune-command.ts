/**
 * `darl finetune`.
 *
 * @module
 */
import { checkFineTuneConfig, DEFAULT_FINE_TUNE, type FineTuneConfig } from '@darl/eval';
import { finetuneRun } from '../jobs/finetune-run.js';
import { selectBackend } from './select-backend.js';
import type { CliIO } from './cli-io.js';
import { runPaths } from '../run-dir/index.js';

export interface FinetuneCommandOptions {
  readonly run: string;
  readonly step?: number;
  readonly data?: string;
  readonly backend: string;
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly layerDecay: number;
  readonly weightDecay: number;
  readonly labelSmoothing: number;
  readonly mixup: number;
  readonly maxTrain?: number;
  readonly maxTest?: number;
  readonly ema: boolean;
  readonly fromScratch?: boolean;
  readonly seed: number;
  readonly json?: boolean;
}

/** The flag of a fine-tuning setting: `layerDecay` → `--layer-decay`. */
function flagOf(key: keyof FineTuneConfig): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

export async function runFinetuneCommand(opts: FinetuneCommandOptions, io: CliIO): Promise<void> {
  const config = {
    epochs: opts.epochs,
    batchSize: opts.batchSize,
    lr: opts.lr,
    layerDecay: opts.layerDecay,
    weightDecay: opts.weightDecay,
    labelSmoothing: opts.labelSmoothing,
    mixup: opts.mixup,
    seed: opts.seed,
  } satisfies Partial<FineTuneConfig>;
  checkFineTuneConfig({ ...DEFAULT_FINE_TUNE, ...config }, flagOf);
  const backend = await selectBackend(opts.backend);
  const { json, report } = await finetuneRun({
    run: opts.run,
    ...(opts.step !== undefined ? { step: opts.step } : {}),
    ...(opts.data ? { data: opts.data } : {}),
    ...(opts.maxTrain ? { maxTrain: opts.maxTrain } : {}),
    ...(opts.maxTest ? { maxTest: opts.maxTest } : {}),
    ema: opts.ema,
    ...(opts.fromScratch ? { fromScratch: true } : {}),
    backend: backend.name,
    config,
    onEpoch: (e, { init }) =>
      io.stderr(
        `darl: ${init === 'fromScratch' ? 'from scratch, ' : ''}epoch ${e.epoch}: train loss ${e.trainLoss.toFixed(4)}${e.top1 === undefined ? '' : `, test top-1 ${(e.top1 * 100).toFixed(2)} %`} (${e.seconds.toFixed(1)} s)\n`,
      ),
  });
  const scratch = json.comparisons[0]?.fromScratch;
  if (opts.json) io.stdout(`${JSON.stringify({ command: 'finetune', ...json, report })}\n`);
  else {
    io.stderr(
      `darl: fine-tuned top-1 ${(json.final.testAccuracy * 100).toFixed(2)} %${scratch ? ` (from scratch: ${(scratch.testAccuracy * 100).toFixed(2)} %)` : ''}; wrote ${runPaths(opts.run).finetune} and ${report}\n`,
    );
  }
}
