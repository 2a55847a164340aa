/**
 * Fine-tuning a pretrained run on labelled data (full attention, classification head, layer-wise LR decay, label
 * smoothing, warm-up + cosine, optional mixup), written to `<run>/finetune.json`.
 *
 * @module
 */
import { join } from 'node:path';
import { fineTune, type FineTuneConfig, type FineTuneEpoch, type FineTuneResult } from '@darl/eval';
import { openDataset } from '@darl/patch-data/node';
import { writeFileAtomic } from '@darl/tensor-backend/node';
import { darlFineTuneModel } from '../model/fine-tune-model.js';
import { loadRun } from './load-run.js';
import type { BuildDarlOptions } from '../model/darl-model.js';
import { RunError } from './pretrain.js';
import { writeReport } from './report/index.js';
import { subsetDataset } from './subset.js';

/** Options of {@link finetuneRun}. */
export interface FinetuneRunOptions {
  readonly run: string;
  /** The custom backbone/head the run was trained with (`pretrain({ parts })`), if any. */
  readonly parts?: BuildDarlOptions<unknown, unknown>;
  /** Labelled data (default: the data the run trained on). */
  readonly data?: string;
  readonly maxTrain?: number;
  readonly maxTest?: number;
  /** Fine-tuning settings (see @darl/eval's FineTuneConfig). */
  readonly config?: Partial<FineTuneConfig>;
  /** Start from the EMA weights when the run has them (default true). */
  readonly ema?: boolean;
  readonly backend?: string;
  readonly onEpoch?: (e: FineTuneEpoch) => void;
}

/** The contents of `finetune.json`. */
export interface FinetuneJson {
  readonly dataset: string;
  readonly trainSize: number;
  readonly testSize: number;
  readonly config: Partial<FineTuneConfig>;
  readonly epochs: { epoch: number; trainLoss: number; testAccuracy: number; seconds: number }[];
  readonly final: { testAccuracy: number; top5: number | null };
  readonly backend?: string;
}

/** Fine-tunes a copy of the run's weights (the run directory's checkpoint is not modified). */
export async function finetuneRun(opts: FinetuneRunOptions): Promise<{ result: FineTuneResult; json: FinetuneJson; report: string }> {
  const loaded = await loadRun(opts.run, { ema: opts.ema === false ? false : 'auto', ...(opts.parts ? { parts: opts.parts } : {}) });
  try {
    const dataSpec = opts.data ?? loaded.state.data;
    const seed = opts.config?.seed ?? 0;
    const train = subsetDataset(await openDataset(dataSpec, { split: 'train' }), opts.maxTrain, seed);
    const test = subsetDataset(await openDataset(dataSpec, { split: 'test' }), opts.maxTest, seed + 1);
    const { height, width, channels } = loaded.model.config.image;
    if (train.height !== height || train.width !== width || train.channels !== channels) {
      throw new RunError(`The model takes ${height}×${width}×${channels} images but "${dataSpec}" has ${train.height}×${train.width}×${train.channels}.`);
    }
    if (!train.numClasses) throw new RunError(`"${dataSpec}" has no labels; fine-tuning needs a labelled dataset.`);
    const batchSize = opts.config?.batchSize;
    if (batchSize !== undefined && batchSize > train.size) {
      throw new RunError(
        `The fine-tuning batch size ${batchSize} is larger than the ${train.size} training images of "${dataSpec}"${opts.maxTrain !== undefined ? ` (--max-train ${opts.maxTrain})` : ''}. ` +
          `Lower --batch-size to at most ${train.size}, or use more images.`,
      );
    }
    const result = await fineTune(
      darlFineTuneModel(loaded.model, loaded.params),
      { train, test, numClasses: train.numClasses },
      opts.config ?? {},
      opts.onEpoch,
    );
    const json: FinetuneJson = {
      dataset: dataSpec,
      trainSize: train.size,
      testSize: test.size,
      config: opts.config ?? {},
      epochs: result.epochs.map((e) => ({ epoch: e.epoch, trainLoss: e.trainLoss, testAccuracy: e.top1, seconds: e.seconds })),
      final: { testAccuracy: result.test.top1, top5: result.test.top5 },
      ...(opts.backend ? { backend: opts.backend } : {}),
    };
    await writeFileAtomic(join(opts.run, 'finetune.json'), `${JSON.stringify(json, null, 2)}\n`);
    const report = await writeReport(opts.run);
    return { result, json, report };
  } finally {
    loaded.dispose();
  }
}
