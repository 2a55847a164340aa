/**
 * `darl finetune`.
 *
 * @module
 */
import { finetuneRun } from '../finetune-run.js';
import { RunError } from '../run-error.js';
import { selectBackend } from './select-backend.js';
import type { CliIO } from './cli-io.js';

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

export async function runFinetuneCommand(opts: FinetuneCommandOptions, io: CliIO): Promise<void> {
  if (!(opts.lr > 0)) throw new RunError(`--lr must be > 0, got ${opts.lr}.`);
  if (!(opts.layerDecay > 0 && opts.layerDecay <= 1)) throw new RunError(`--layer-decay must be in (0, 1], got ${opts.layerDecay}.`);
  if (!(opts.labelSmoothing >= 0 && opts.labelSmoothing < 1)) throw new RunError(`--label-smoothing must be in [0, 1), got ${opts.labelSmoothing}.`);
  if (!(opts.mixup >= 0)) throw new RunError(`--mixup must be ≥ 0, got ${opts.mixup}.`);
  if (!(opts.weightDecay >= 0)) throw new RunError(`--weight-decay must be ≥ 0, got ${opts.weightDecay}.`);
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
    config: {
      epochs: opts.epochs,
      batchSize: opts.batchSize,
      lr: opts.lr,
      layerDecay: opts.layerDecay,
      weightDecay: opts.weightDecay,
      labelSmoothing: opts.labelSmoothing,
      mixup: opts.mixup,
      seed: opts.seed,
    },
    onEpoch: (e, { init }) =>
      io.stderr(
        `darl: ${init === 'fromScratch' ? 'from scratch, ' : ''}epoch ${e.epoch}: train loss ${e.trainLoss.toFixed(4)}${e.top1 === undefined ? '' : `, test top-1 ${(e.top1 * 100).toFixed(2)} %`} (${e.seconds.toFixed(1)} s)\n`,
      ),
  });
  const scratch = json.comparisons[0]?.fromScratch;
  if (opts.json) io.stdout(`${JSON.stringify({ command: 'finetune', ...json, report })}\n`);
  else {
    io.stderr(
      `darl: fine-tuned top-1 ${(json.final.testAccuracy * 100).toFixed(2)} %${scratch ? ` (from scratch: ${(scratch.testAccuracy * 100).toFixed(2)} %)` : ''}; wrote finetune.json and ${report}\n`,
    );
  }
}
