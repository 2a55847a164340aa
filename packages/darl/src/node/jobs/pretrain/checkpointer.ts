/**
 * Checkpointing a pretraining run: the run state recorded with each checkpoint, when one is due, and committing it
 * (parameters, EMA, optimiser, state) together with the metrics logged up to it.
 *
 * @module
 */
import type { BackendInfo } from '@darl/tensor-backend';
import type { RunConfig } from '../../../config/schema.js';
import { paramTree, type DarlModel, type DarlParams } from '../../../model/darl-model.js';
import type { DarlTrainer } from '../../../train/trainer.js';
import { RUN_FORMAT, saveCheckpoint, type RunState } from '../../run-dir/checkpoint.js';
import type { MetricsLog } from '../../run-dir/index.js';
import { runtimeVersions } from '../../versions.js';
import type { RunClock } from './run-clock.js';

/** Where the data stream and the random state stood: what a checkpoint resumes from. */
export interface StreamPoint {
  readonly cursor: RunState['cursor'];
  readonly rng: RunState['rng'];
}

/** What the checkpointer reads from the run. */
export interface CheckpointedRun {
  readonly out: string;
  readonly run: RunConfig;
  readonly dataSpec: string;
  readonly model: DarlModel;
  readonly params: DarlParams;
  readonly trainer: DarlTrainer;
  readonly backend: BackendInfo | undefined;
}

/** Commits checkpoints of a run and remembers the last committed step. */
export class Checkpointer {
  /** The step of the last committed checkpoint (null before the first). */
  committedStep: number | null;
  private lastAt = performance.now();

  constructor(
    private readonly r: CheckpointedRun,
    private readonly metrics: MetricsLog,
    private readonly clock: RunClock,
    resumedStep: number | null,
  ) {
    this.committedStep = resumedStep;
  }

  /** Whether `train.checkpointEvery` or `train.checkpointMinutes` asks for a checkpoint after `step`. */
  due(step: number): boolean {
    const t = this.r.run.train;
    return (t.checkpointEvery > 0 && step % t.checkpointEvery === 0) || (t.checkpointMinutes > 0 && performance.now() - this.lastAt >= t.checkpointMinutes * 60_000);
  }

  /** Whether the trainer holds steps no checkpoint has committed yet. */
  uncommitted(): boolean {
    return this.r.trainer.step > 0 && this.committedStep !== this.r.trainer.step;
  }

  /** Commits a checkpoint of the trainer's current step, the stream standing at `at`. */
  async save(finished: boolean, at: StreamPoint): Promise<void> {
    const { out, params, trainer } = this.r;
    const optimizer = trainer.optimizer.stateTensors(); // clones: disposed once written
    try {
      await saveCheckpoint(out, { params: paramTree(params), ema: trainer.ema?.shadow() ?? null, optimizer, state: this.state(finished, at) }, { keep: this.r.run.train.keepCheckpoints });
    } finally {
      for (const v of Object.values(optimizer)) v.dispose();
    }
    await this.metrics.committed();
    this.committedStep = trainer.step;
    this.lastAt = performance.now();
  }

  private state(finished: boolean, at: StreamPoint): RunState {
    const { model, trainer } = this.r;
    return {
      format: RUN_FORMAT,
      step: trainer.step,
      cursor: at.cursor,
      rng: at.rng,
      data: this.r.dataSpec,
      versions: runtimeVersions(),
      backend: { ...(this.r.backend ?? { name: 'unknown' }) },
      parts: { backbone: model.backbone.kind, head: model.head.kind },
      startedAt: this.clock.startedAt,
      wallSeconds: this.clock.wallSeconds(),
      trainSeconds: this.clock.trainSeconds,
      finished,
    };
  }
}
