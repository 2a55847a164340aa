/**
 * The metrics a pretraining run logs: a line of `metrics.jsonl` (and a progress update) every `train.logEvery` steps,
 * with the throughput over the steps since the last line; events (divergence, samples, evaluation) in between.
 *
 * @module
 */
import type { TrainConfig } from '../../../config/schema.js';
import type { StepResult } from '../../../train/trainer.js';
import type { MetricsLog } from '../../run-dir/index.js';
import type { Progress } from '../../progress.js';
import type { RunClock } from './run-clock.js';

/** Logs steps to the metrics file and the progress display. */
export class StepLog {
  private windowStart = performance.now();
  private windowImages = 0;
  private imagesPerSec = 0;

  constructor(
    private readonly t: TrainConfig,
    readonly metrics: MetricsLog,
    private readonly progress: Progress,
    private readonly clock: RunClock,
  ) {}

  /** Counts the step's images; on a logging step (`last` always is) appends its line and updates the display. */
  async step(r: StepResult, last: boolean): Promise<void> {
    this.windowImages += this.t.batchSize;
    if (!(r.step % this.t.logEvery === 0 || r.step === 1 || last)) return;
    const now = performance.now();
    this.imagesPerSec = this.windowImages / ((now - this.windowStart) / 1000);
    this.windowStart = now;
    this.windowImages = 0;
    await this.metrics.append({
      step: r.step,
      loss: r.loss,
      lr: r.lr,
      gradNorm: r.gradNorm,
      imagesPerSec: this.imagesPerSec,
      elapsed: this.clock.wallSeconds(),
      trainSeconds: this.clock.trainSeconds,
      lossByRow: r.lossByRow,
      ...(r.lossByNoise ? { lossByNoise: r.lossByNoise } : {}),
    });
    this.progress.update({ step: r.step, loss: r.loss, lr: r.lr, imagesPerSec: this.imagesPerSec });
  }
}
