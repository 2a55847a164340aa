/**
 * The plan of a pretraining run: everything decided and checked before its directory is touched — the data opened,
 * the config parsed once against the data's real image, the model built once, every pre-flight check run.
 * `pretrain()`, `darl pretrain --dry-run` and `--print-config` all start here.
 *
 * @module
 */
import type { ImageDataset } from '@darl/patch-data';
import { knownImageShape, openDataset } from '@darl/patch-data/node';
import { runConfigSchema, type RunConfig } from '../../../config/schema.js';
import { parseConfig } from '../../../config/validate.js';
import { buildDarl, type DarlModel } from '../../../model/darl-model.js';
import type { RunState } from '../../run-dir/checkpoint.js';
import { RunError } from '../../run-error.js';
import { checkBatchFitsData, checkFitsWasmHeap, checkFromStep, checkImageMatchesData, checkNewRunDirectory, checkParts, withImage, type ImageShape } from './checks.js';
import { writerOf, type PretrainOptions } from './options.js';
import { previewResume } from './resume.js';

/** The data a run trains on when none is named: the embedded digits. */
export const DEFAULT_DATA = 'mnist';

/** What {@link planPretrain} needs: {@link PretrainOptions} without the loop's; `out` may be left out (then unchecked). */
export type PlanOptions = Pick<PretrainOptions, 'run' | 'configSource' | 'data' | 'resume' | 'fromStep' | 'parts' | 'datasets' | 'write'> & {
  /** The run directory to create (a resume's is `resume`). */
  readonly out?: string;
};

/** A run ready to start: nothing written, nothing allocated but the model's description. */
export interface PretrainPlan {
  /** The parsed config (for a resume, the run directory's). */
  readonly run: RunConfig;
  /** The data spec recorded in state.json. */
  readonly dataSpec: string;
  /** The training images, opened (and resized or converted to the config's image). */
  readonly train: ImageDataset;
  /** The model's description, built once. */
  readonly model: DarlModel;
  /** For a resume: the state of the checkpoint it continues from (read, not yet loaded). */
  readonly resumeState: RunState | null;
}

/**
 * Opens the data, resolves the config once against the real image, builds the model once and runs every pre-flight
 * check (the run directory, the batch against the data, the parts of a resumed run, the wasm heap).
 */
export async function planPretrain(opts: PlanOptions): Promise<PretrainPlan> {
  checkFromStep(Boolean(opts.resume), opts.fromStep);
  const { run, dataSpec, train, resumeState } = opts.resume ? await openResume(opts) : await openNew(opts);
  checkBatchFitsData(run, train);
  const model = buildDarl(run.model, opts.parts ?? {});
  if (opts.out !== undefined) checkParts(opts.out, resumeState?.parts, model);
  if (!opts.parts?.backbone) checkFitsWasmHeap(run, model.length);
  return { run, dataSpec, train, model, resumeState };
}

type Opened = Omit<PretrainPlan, 'model'>;

/** A resume: the run directory's config and the state it continues from, then its data. */
async function openResume(opts: PlanOptions): Promise<Opened> {
  if (opts.out === undefined) throw new RunError('Resuming needs the run directory: give --resume RUN_DIR.');
  const out = opts.out;
  const preview = await previewResume(out, opts.fromStep, (m) => writerOf(opts)(`darl: ${m}\n`));
  const dataSpec = preview.state.data;
  if (opts.data !== undefined && opts.data !== dataSpec) {
    throw new RunError(`The run in ${out} trains on "${dataSpec}"; --data "${opts.data}" would change it. Drop --data when resuming (nothing in ${out} was changed).`);
  }
  const train = opts.datasets?.train ?? (await openTrainSplit(dataSpec));
  return { run: preview.run, dataSpec, train, resumeState: preview.state };
}

/**
 * A new run: parsed against the image known without reading the data (the config's own, the given dataset's, or a
 * fixed-shape kind's), so config mistakes surface before the data is read; else the data is opened first and its
 * image filled in. Either way the config is parsed once.
 */
async function openNew(opts: PlanOptions): Promise<Opened> {
  const dataSpec = opts.data ?? opts.datasets?.train.name ?? DEFAULT_DATA;
  const input = opts.run ?? {};
  const source = opts.configSource ?? 'run config';
  const known: ImageShape | undefined = input.model?.image !== undefined ? undefined : (opts.datasets?.train ?? knownImageShape(dataSpec));
  if (input.model?.image !== undefined || known !== undefined) {
    const run = parseConfig(runConfigSchema, known ? withImage(input, known) : input, source);
    if (opts.out !== undefined) checkNewRunDirectory(opts.out);
    const train = opts.datasets?.train ?? (await openTrainSplit(dataSpec));
    checkImageMatchesData(run.model.image, train);
    return { run, dataSpec, train, resumeState: null };
  }
  if (opts.out !== undefined) checkNewRunDirectory(opts.out);
  const train = await openTrainSplit(dataSpec);
  return { run: parseConfig(runConfigSchema, withImage(input, train), source), dataSpec, train, resumeState: null };
}

function openTrainSplit(spec: string): Promise<ImageDataset> {
  return openDataset(spec, { split: 'train', labels: 'optional' });
}
