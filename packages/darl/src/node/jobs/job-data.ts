/**
 * The labelled data of a run job (`probeRun`, `finetuneRun`, `generationQualityRun`): datasets given in memory, as
 * `pretrain({ datasets })` takes them, or a dataset spec opened from disk — by default the spec the run trained on.
 *
 * @module
 */
import type { ImageDataset } from '@darl/patch-data';
import { openDataset } from '@darl/patch-data/node';
import { isUserError } from '@darl/tensor-backend';
import { RunError } from '../run-error.js';

/** Labelled train and test splits given directly (programmatic use, e.g. data that exists only in memory). */
export interface JobDatasets {
  /** The labelled training split (probes are fitted on it). */
  readonly train: ImageDataset;
  /** The labelled test split (probes are scored on it). */
  readonly test: ImageDataset;
}

/** What a run job reads its data from. */
export interface JobDataOptions {
  /** A dataset spec ('mnist', 'idx:DIR', …); with `datasets`, only the name recorded in the job's JSON. */
  readonly data?: string;
  /** The datasets themselves; then nothing is opened from disk. */
  readonly datasets?: JobDatasets;
}

/** The opened data of a job and the name it is recorded under. */
export interface JobData {
  readonly name: string;
  readonly train: ImageDataset;
  readonly test: ImageDataset;
}

/**
 * Resolves a job's data: `opts.datasets` as given, else `opts.data` or the run's own spec `runData` opened from disk.
 * A run trained on in-memory datasets records only their name, which cannot be opened again: the error says to pass
 * `datasets`.
 */
export async function openJobData(job: string, opts: JobDataOptions, runData: string, runDir: string): Promise<JobData> {
  if (opts.datasets) return { name: opts.data ?? opts.datasets.train.name, train: opts.datasets.train, test: opts.datasets.test };
  const spec = opts.data ?? runData;
  try {
    return { name: spec, train: await openDataset(spec, { split: 'train' }), test: await openDataset(spec, { split: 'test' }) };
  } catch (err) {
    if (opts.data !== undefined || !isUserError(err)) throw err;
    throw new RunError(
      `${job}: the run in ${runDir} trained on "${runData}", which cannot be opened from disk (${(err as Error).message}) — ` +
        `a run trained on datasets given in memory (pretrain({ datasets })) records only their name. ` +
        `Pass the labelled data: ${job}({ run, datasets: { train, test } }), or a dataset spec as data.`,
    );
  }
}
