/**
 * What {@link pretrain} takes and returns.
 *
 * @module
 */
import type { ImageDataset } from '@darl/patch-data';
import type { BackendInfo } from '@darl/tensor-backend';
import type { RunConfigInput } from '../../../config/schema.js';
import type { BuildDarlOptions, DarlModel, DarlParams } from '../../../model/darl-model.js';
import type { StepResult } from '../../../train/trainer.js';
import type { ProgressMode } from '../../progress.js';

/** Options of {@link pretrain}. */
export interface PretrainOptions {
  /** Run configuration (ignored when resuming: the run directory's config.json is used). */
  readonly run?: RunConfigInput;
  /** Where `run` came from, named by a config error (default 'run config'; the CLI names its sources). */
  readonly configSource?: string;
  /** Data spec: 'mnist' (embedded digits), 'idx:DIR', 'cifar10:DIR', 'cifar100:DIR', 'folder:DIR'. */
  readonly data?: string;
  /** Run directory to create (or to continue with `resume`). */
  readonly out: string;
  /** Continue the run in `out` from its last checkpoint. */
  readonly resume?: boolean;
  /** What `useBackend` returned, recorded in state.json. */
  readonly backend?: BackendInfo;
  /** Progress display on stderr (default 'auto'). */
  readonly progress?: ProgressMode;
  /** Where progress lines go (default stderr). */
  readonly write?: (s: string) => void;
  /** Stop after this many total steps (checkpointing there) although the schedule runs to `train.steps`. */
  readonly stopAt?: number;
  /** Swap the backbone or the head (pass the same parts again when resuming). */
  readonly parts?: BuildDarlOptions<unknown, unknown>;
  /**
   * Datasets given directly (programmatic use); `data` then only names them in state.json (default: the train
   * dataset's name). The run jobs (`probeRun`, …) take the same datasets again.
   */
  readonly datasets?: {
    /** The images to pretrain on. */
    readonly train: ImageDataset;
    /** Held-out images for the validation loss (`train.evalImages`) and completions. */
    readonly test?: ImageDataset;
  };
  /** Hands each step's result to the caller (tests, notebooks). */
  readonly onStep?: (r: StepResult) => void;
  /** Seconds on a monotonic clock, read before and after each step to count training time (default `performance.now() / 1000`; tests pass a fake one). */
  readonly clock?: () => number;
  /** With `resume`: continue from the kept checkpoint of this step instead of the last committed one. */
  readonly fromStep?: number;
  /**
   * Graceful stop: once aborted, the current step finishes, a checkpoint is committed and `pretrain` returns with
   * `interrupted: true` (the CLI aborts it on the first SIGINT, SIGTERM or SIGHUP, or when its launcher exits).
   */
  readonly signal?: AbortSignal;
  /** Told once the run's plan passed every check, before the run directory is touched (the CLI prints its start line). */
  readonly onPlanned?: () => void;
}

/** What {@link pretrain} returns. */
export interface PretrainResult {
  /** The run directory. */
  readonly out: string;
  /** Steps completed. */
  readonly step: number;
  /** Whether the run reached the end of its schedule. */
  readonly finished: boolean;
  /** Whether `signal` stopped the run early (a checkpoint of `step` was committed). */
  readonly interrupted: boolean;
  /** Training loss of the last step. */
  readonly finalLoss: number;
  /** Mean loss on held-out images (test split), when `train.evalImages` > 0. */
  readonly evalLoss: number | null;
  /** The run's training rate: images trained by this call over its training seconds (checkpoints, samples and held-out evaluation excluded). */
  readonly imagesPerSec: number;
  /** Wall-clock seconds of this call. */
  readonly wallSeconds: number;
  /** The trained model's description. */
  readonly model: DarlModel;
  /** The trained parameters (the caller disposes them, or lets the process end). */
  readonly params: DarlParams;
}

/** Where output lines go: `opts.write`, else stderr. */
export function writerOf(opts: Pick<PretrainOptions, 'write'>): (s: string) => void {
  return opts.write ?? ((s: string) => process.stderr.write(s));
}
