/**
 * A pretraining run's clocks: wall time since the run first started, and training time (the steps alone, counted on
 * a monotonic clock), both carried across resumes; the schedule's end follows both.
 *
 * @module
 */
import type { TrainConfig } from '../../../config/schema.js';
import { trainingProgress, type DarlTrainer } from '../../../train/trainer.js';
import type { RunState } from '../../run-dir/checkpoint.js';

/** Wall and training seconds of a run, from its first start. */
export class RunClock {
  /** When the run first started (ISO time). */
  readonly startedAt: string;
  /** Training seconds so far (steps only: no checkpoints, samples or evaluation). */
  trainSeconds: number;
  private readonly trainSecondsAtStart: number;
  private readonly priorWall: number;
  private readonly t0 = performance.now();

  constructor(
    resumed: RunState | null,
    private readonly now: () => number = () => performance.now() / 1000,
  ) {
    this.startedAt = resumed?.startedAt ?? new Date().toISOString();
    this.priorWall = resumed?.wallSeconds ?? 0;
    this.trainSeconds = resumed ? (resumed.trainSeconds ?? resumed.wallSeconds) : 0;
    this.trainSecondsAtStart = this.trainSeconds;
  }

  /** Runs `step` (awaiting it), adding its duration to the training seconds. */
  async timed<T>(step: () => Promise<T>): Promise<T> {
    const s0 = this.now();
    const r = await step();
    this.trainSeconds += this.now() - s0;
    return r;
  }

  /** Wall seconds since the run first started (earlier sessions included). */
  wallSeconds(): number {
    return this.priorWall + (performance.now() - this.t0) / 1000;
  }

  /** Training seconds of this session only. */
  sessionTrainSeconds(): number {
    return this.trainSeconds - this.trainSecondsAtStart;
  }

  /** Whether the schedule is over: `train.steps` steps or `train.budgetSeconds` of training. */
  done(t: TrainConfig, trainer: DarlTrainer): boolean {
    return trainingProgress(t, trainer.step, this.trainSeconds) >= 1;
  }
}
