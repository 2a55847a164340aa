/**
 * Fine-tuning a pretrained run on labelled data (full attention, classification head, layer-wise LR decay, label
 * smoothing, warm-up + cosine, optional mixup), written to `<run>/finetune.json`. Optionally a comparison: several
 * label fractions, each fine-tuned from the pretrained weights and — the control — from the weights pretraining
 * started from, with identical data, settings and budget.
 *
 * @module
 */
import { fineTune, type FineTuneConfig, type FineTuneEpoch, type FineTuneResult } from '@darl/eval';
import { subsetDataset, type ImageDataset } from '@darl/patch-data';
import { openJobData, type JobDatasets } from './job-data.js';
import { writeFileAtomic } from '@darl/tensor-backend/node';
import { finetuneFileSchema, runPaths, type FinetuneFile } from '../run-dir/index.js';
import { jsonFileText } from '../../run-dir/file-contents.js';
import { disposeTree } from '@darl/tensor-backend';
import { darlFineTuneModel } from '../../model/fine-tune-model.js';
import { initDarlParams, paramTree } from '../../model/darl-model.js';
import { loadRun } from '../load-run.js';
import type { BuildDarlOptions } from '../../model/darl-model.js';
import { RunError } from '../run-error.js';
import { writeReport } from '../report/index.js';

/** Options of {@link finetuneRun}. */
export interface FinetuneRunOptions {
  /** Run directory of a pretrained model. */
  readonly run: string;
  /** Fine-tune from the kept checkpoint of this step instead of the committed one. */
  readonly step?: number;
  /** The custom backbone/head the run was trained with (`pretrain({ parts })`), if any. */
  readonly parts?: BuildDarlOptions<unknown, unknown>;
  /** Labelled data as a spec (default: the data the run trained on); with `datasets`, only the name recorded. */
  readonly data?: string;
  /** Labelled data given directly, as `pretrain({ datasets })` takes it (e.g. a run trained on in-memory data). */
  readonly datasets?: JobDatasets;
  /** Use at most this many training images (a seeded subset). */
  readonly maxTrain?: number;
  /** Use at most this many test images (a seeded subset). */
  readonly maxTest?: number;
  /** Fine-tuning settings (see @darl/eval's FineTuneConfig). */
  readonly config?: Partial<FineTuneConfig>;
  /** Start from the EMA weights when the run has them (default true). */
  readonly ema?: boolean;
  /** Recorded in finetune.json. */
  readonly backend?: string;
  /**
   * Also fine-tune the same architecture from the weights pretraining started from (its seed's initialisation), with
   * identical data, settings and budget: the control that pretraining has to beat.
   */
  readonly fromScratch?: boolean;
  /**
   * The settings to fine-tune, in order (default one: all labels, `config`). Each uses a seeded subset of
   * `labelFraction` of the training images (after `maxTrain`), with its `config` over `config`.
   */
  readonly settings?: readonly FinetuneSetting[];
  /** Called after each epoch; `setting` indexes `settings`, `init` says which weights it started from. */
  readonly onEpoch?: (e: FineTuneEpoch, where: { setting: number; init: FinetuneInit }) => void;
}

/** One setting of a fine-tuning comparison. */
export interface FinetuneSetting {
  /** Share of the labelled training images, in (0, 1]. */
  readonly labelFraction: number;
  /** Settings over the run-wide `config` (e.g. more epochs for fewer labels). */
  readonly config?: Partial<FineTuneConfig>;
}

/** Which weights a fine-tune started from. */
export type FinetuneInit = 'pretrained' | 'fromScratch';

/** One setting's result in `finetune.json`: the pretrained fine-tune and, when asked for, the from-scratch control. */
type FinetuneComparison = NonNullable<FinetuneFile['comparisons']>[number];

/** One fine-tune as recorded in `finetune.json`. */
type FinetuneOutcome = FinetuneComparison['pretrained'];

/** `finetune.json` as this job writes it: with every setting's comparison (optional only in older files). */
type FinetuneWritten = FinetuneFile & {
  /** Every setting, in order. */
  readonly comparisons: FinetuneComparison[];
};

function finetuneJson(dataset: string, testSize: number, comparisons: FinetuneComparison[], head: FinetuneComparison, backend: string | undefined): FinetuneWritten {
  return {
    dataset,
    trainSize: head.trainSize,
    testSize,
    config: head.config,
    epochs: head.pretrained.epochs,
    final: { testAccuracy: head.pretrained.testAccuracy, top5: head.pretrained.top5 },
    comparisons: [...comparisons],
    ...(backend ? { backend } : {}),
  };
}

/** The settings of a fine-tuning comparison (default: all labels), each label fraction checked. */
function checkedSettings(opts: FinetuneRunOptions): readonly FinetuneSetting[] {
  const settings = opts.settings ?? [{ labelFraction: 1 }];
  if (settings.length === 0) throw new RunError('finetuneRun: settings is empty; give at least one { labelFraction } or leave it out (all labels).');
  for (const st of settings) {
    if (!(st.labelFraction > 0 && st.labelFraction <= 1)) {
      throw new RunError(`A fine-tuning label fraction is ${st.labelFraction}; it must be in (0, 1] (e.g. 0.01 for 1 % of the labels).`);
    }
  }
  return settings;
}

/**
 * Every setting's training subset and config, checked before the first fine-tune, so a bad setting late in a long
 * comparison fails at once instead of after the settings before it.
 */
function planSettings(opts: FinetuneRunOptions, settings: readonly FinetuneSetting[], allTrain: ImageDataset, dataSpec: string, seed: number) {
  return settings.map((st, index) => {
    const config = { ...opts.config, ...st.config };
    const train = subsetDataset(allTrain, Math.max(1, Math.round(st.labelFraction * allTrain.size)), seed + 2 + index);
    if (config.batchSize !== undefined && config.batchSize > train.size) {
      throw new RunError(
        `The fine-tuning batch size ${config.batchSize} is larger than the ${train.size} training images of "${dataSpec}"${opts.maxTrain !== undefined ? ` (--max-train ${opts.maxTrain})` : ''}${st.labelFraction < 1 ? ` at label fraction ${st.labelFraction}` : ''}. ` +
          `Lower --batch-size to at most ${train.size}, or use more images.`,
      );
    }
    return { config, train };
  });
}

/** Fine-tunes a copy of the run's weights (the run directory's checkpoint is not modified). */
export async function finetuneRun(opts: FinetuneRunOptions): Promise<{
  /** The headline pretrained fine-tune's result. */
  result: FineTuneResult;
  /** What was written to finetune.json. */
  json: FinetuneWritten;
  /** Path of the refreshed report.html. */
  report: string;
}> {
  const settings = checkedSettings(opts);
  const loadOpts = {
    ema: opts.ema === false ? (false as const) : ('auto' as const),
    ...(opts.parts ? { parts: opts.parts } : {}),
    ...(opts.step !== undefined ? { step: opts.step } : {}),
  };
  const loaded = await loadRun(opts.run, loadOpts);
  try {
    const data = await openJobData('finetuneRun', opts, loaded.state.data, opts.run);
    const dataSpec = data.name;
    const seed = opts.config?.seed ?? 0;
    const allTrain = subsetDataset(data.train, opts.maxTrain, seed);
    const test = subsetDataset(data.test, opts.maxTest, seed + 1);
    const { height, width, channels } = loaded.model.config.image;
    if (allTrain.height !== height || allTrain.width !== width || allTrain.channels !== channels) {
      throw new RunError(`The model takes ${height}×${width}×${channels} images but "${dataSpec}" has ${allTrain.height}×${allTrain.width}×${allTrain.channels}.`);
    }
    if (!allTrain.numClasses) throw new RunError(`"${dataSpec}" has no labels; fine-tuning needs a labelled dataset.`);
    const numClasses = allTrain.numClasses;
    const plans = planSettings(opts, settings, allTrain, dataSpec, seed);
    const comparisons: FinetuneComparison[] = [];
    const results: FineTuneResult[] = [];
    let head = 0; // the setting with the most labels (the first of those)
    let json: FinetuneWritten | undefined;
    for (const [index, st] of settings.entries()) {
      const { config, train } = plans[index]!;
      const tune = async (params: typeof loaded.params, init: FinetuneInit): Promise<{ result: FineTuneResult; outcome: FinetuneOutcome }> => {
        const t0 = performance.now();
        const result = await fineTune(
          darlFineTuneModel(loaded.model, params),
          { train, test, numClasses },
          { scale: loaded.model.config.pixelScale, ...config },
          opts.onEpoch ? (e) => opts.onEpoch!(e, { setting: index, init }) : undefined,
        );
        const outcome: FinetuneOutcome = {
          epochs: result.epochs.map((e) => ({ epoch: e.epoch, trainLoss: e.trainLoss, ...(e.top1 === undefined ? {} : { testAccuracy: e.top1 }), seconds: e.seconds })),
          testAccuracy: result.test.top1,
          top5: result.test.top5,
          seconds: (performance.now() - t0) / 1000,
        };
        return { result, outcome };
      };
      // fineTune updates the variables it is given in place, so every setting loads the run's weights afresh.
      const weights = index === 0 ? loaded : await loadRun(opts.run, loadOpts);
      let pretrained: Awaited<ReturnType<typeof tune>>;
      try {
        pretrained = await tune(weights.params, 'pretrained');
      } finally {
        if (weights !== loaded) weights.dispose();
      }
      let fromScratch: FinetuneOutcome | undefined;
      if (opts.fromScratch) {
        const initial = initDarlParams(loaded.model, { seed: loaded.run.train.seed });
        try {
          fromScratch = (await tune(initial, 'fromScratch')).outcome;
        } finally {
          disposeTree(paramTree(initial));
        }
      }
      if (st.labelFraction > settings[head]!.labelFraction) head = index;
      results.push(pretrained.result);
      comparisons.push({ labelFraction: st.labelFraction, trainSize: train.size, config, pretrained: pretrained.outcome, ...(fromScratch ? { fromScratch } : {}) });
      // Written after every setting, so a long comparison that is stopped keeps the settings it finished.
      json = finetuneJson(dataSpec, test.size, comparisons, comparisons[head]!, opts.backend);
      await writeFileAtomic(runPaths(opts.run).finetune, jsonFileText(finetuneFileSchema.parse(json)));
    }
    const report = await writeReport(opts.run);
    return { result: results[head]!, json: json!, report };
  } finally {
    loaded.dispose();
  }
}
