/**
 * The DARL trainer: AdamW with linear warm-up + cosine decay, global-norm gradient clipping, gradient accumulation,
 * optional EMA of the weights, all seeded. It owns the optimiser state; the caller owns the data and the parameters.
 * Browser-safe (no file I/O): checkpoints and the run loop live in `darl/node`.
 *
 * @module
 */
import { UserError } from '@darl/tensor-backend';
import * as tf from '@tensorflow/tfjs-core';
import {
  AdamW,
  clipByGlobalNorm,
  Ema,
  gradientsByPath,
  Rng,
  warmupCosine,
  warmupCosineByProgress,
  type ProgressLrSchedule,
  type RngState,
} from '@darl/tensor-backend';
import type { TrainConfig } from '../config/schema.js';
import { darlLoss, paramTree, type DarlModel, type DarlParams } from '../model/darl-model.js';
import { lossByNoiseLevel, lossByPatchRow, type NoiseBin } from './step-metrics.js';

/** Figures of one optimiser step. */
export interface StepResult {
  /** Step number after this update (1 for the first). */
  readonly step: number;
  readonly loss: number;
  /** Learning rate used for this update. */
  readonly lr: number;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
  /** Diffusion only: mean loss per γ bin. */
  readonly lossByNoise?: NoiseBin[];
  /** Mean loss per patch row of the target. */
  readonly lossByRow: number[];
}

/** Raised when the loss or the gradient norm is NaN or infinite; no update was applied. */
export class NonFiniteLossError extends UserError {
  override readonly name = 'NonFiniteLossError';
  constructor(
    readonly step: number,
    readonly value: number,
    readonly what: string,
    /** What the run directory keeps, e.g. 'The last good checkpoint (step 2) is committed in runs/x.' */
    readonly kept = '',
  ) {
    super(
      `Training diverged at step ${step}: the ${what} is ${value}. No update was applied.${kept ? ` ${kept}` : ''} ` +
        'Lower the learning rate (--set train.lr=...), enable or tighten gradient clipping (--set train.clipNorm=1), ' +
        'or lengthen the warm-up (--set train.warmupSteps=...).',
    );
  }
}

/** Trains `params` in place. */
export class DarlTrainer {
  readonly optimizer: AdamW;
  readonly ema: Ema | null;
  /** Step schedule (used when `train.budgetSeconds` is 0). */
  readonly schedule: (step: number) => number;
  /** Progress schedule (used when `train.budgetSeconds` > 0; see `trainingProgress` in trainer.ts). */
  readonly progressSchedule: ProgressLrSchedule;
  private rng: Rng;

  constructor(
    readonly model: DarlModel,
    readonly params: DarlParams,
    readonly train: TrainConfig,
    opts: { rngState?: RngState } = {},
  ) {
    this.optimizer = new AdamW(paramTree(params), {
      beta1: train.beta1,
      beta2: train.beta2,
      weightDecay: train.weightDecay,
    });
    this.ema = train.ema > 0 ? new Ema(paramTree(params), train.ema) : null;
    this.schedule = warmupCosine({
      peak: train.lr,
      warmupSteps: Math.min(train.warmupSteps, train.steps),
      totalSteps: train.steps,
      final: Math.min(train.minLr, train.lr),
    });
    this.progressSchedule = warmupCosineByProgress({
      peak: train.lr,
      warmupSteps: train.warmupSteps,
      final: Math.min(train.minLr, train.lr),
    });
    this.rng = opts.rngState ? Rng.fromState(opts.rngState) : new Rng(train.seed).fork('trainer');
  }

  /** Optimiser steps taken so far. */
  get step(): number {
    return this.optimizer.stepCount;
  }

  /** The trainer's random state (noise draws, drop-path), for checkpoints. */
  rngState(): RngState {
    return this.rng.state();
  }

  /** Learning rate of the next step, given the training seconds spent so far (needed when a budget is set). */
  nextLr(trainSeconds?: number): number {
    if (this.train.budgetSeconds <= 0) return this.schedule(this.step);
    if (trainSeconds === undefined) {
      throw new Error('DarlTrainer: train.budgetSeconds is set, so stepOn needs { trainSeconds } (training seconds spent before this step).');
    }
    return this.progressSchedule(this.step, trainingProgress(this.train, this.step, trainSeconds));
  }

  /**
   * One optimiser step over `microBatches` (gradient accumulation: their gradients are averaged).
   * @param microBatches each float32 [b, H, W, Ch], scaled like the training data; not disposed here
   * @param opts.trainSeconds training seconds spent before this step (required when `train.budgetSeconds` > 0)
   */
  stepOn(microBatches: readonly tf.Tensor4D[], opts: { trainSeconds?: number } = {}): StepResult {
    if (microBatches.length === 0) throw new Error('DarlTrainer.stepOn: give at least one micro-batch.');
    const stepNumber = this.step + 1;
    let summed: Record<string, tf.Tensor> | null = null;
    let lossSum = 0;
    const perTargets: Float32Array[] = [];
    const gammas: Float64Array[] = [];
    try {
      for (const images of microBatches) {
        let perTarget: tf.Tensor1D | null = null;
        let gamma: Float64Array | undefined;
        const { loss, grads } = gradientsByPath(paramTree(this.params), () => {
          const r = darlLoss(this.model, this.params, images, { rng: this.rng, train: true });
          perTarget = tf.keep(r.perTarget);
          gamma = r.gamma;
          return r.loss;
        });
        const value = loss.dataSync()[0]!;
        loss.dispose();
        const pt = perTarget as tf.Tensor1D | null;
        if (pt) {
          perTargets.push(pt.dataSync() as Float32Array);
          pt.dispose();
        }
        if (gamma) gammas.push(gamma);
        if (!Number.isFinite(value)) {
          for (const g of Object.values(grads)) g.dispose();
          throw new NonFiniteLossError(stepNumber, value, 'loss');
        }
        lossSum += value;
        if (summed === null) summed = grads;
        else {
          const prev: Record<string, tf.Tensor> = summed;
          summed = {};
          for (const [path, g] of Object.entries(grads)) {
            summed[path] = tf.add(prev[path]!, g);
            prev[path]!.dispose();
            g.dispose();
          }
        }
      }
      const n = microBatches.length;
      const averaged: Record<string, tf.Tensor> = n === 1 ? summed! : {};
      if (n > 1) {
        for (const [path, g] of Object.entries(summed!)) {
          averaged[path] = tf.div(g, n);
          g.dispose();
        }
      }
      summed = averaged;
      let gradNorm: number;
      if (this.train.clipNorm > 0) {
        const clipped = clipByGlobalNorm(summed, this.train.clipNorm); // new tensors; the inputs are ours to free
        for (const g of Object.values(summed)) g.dispose();
        summed = clipped.grads;
        gradNorm = clipped.norm;
      } else {
        gradNorm = tf.tidy(() => Math.sqrt(Object.values(summed!).reduce((s, g) => s + (tf.sum(tf.square(g)).dataSync()[0] ?? 0), 0)));
      }
      if (!Number.isFinite(gradNorm)) throw new NonFiniteLossError(stepNumber, gradNorm, 'gradient norm');
      const lr = this.nextLr(opts.trainSeconds);
      this.optimizer.step(summed, lr);
      this.ema?.update(paramTree(this.params));
      const all = concatFloat(perTargets);
      const rows = this.model.order.positions.rows;
      const result: StepResult = {
        step: this.step,
        loss: lossSum / n,
        lr,
        gradNorm,
        lossByRow: lossByPatchRow(all, rows, this.model.grid.rows),
        ...(gammas.length ? { lossByNoise: lossByNoiseLevel(all, concatFloat(gammas)) } : {}),
      };
      return result;
    } finally {
      if (summed) for (const g of Object.values(summed)) if (!g.isDisposed) g.dispose();
    }
  }

  /** Frees the optimiser and EMA state (not the parameters). */
  dispose(): void {
    this.optimizer.dispose();
    this.ema?.dispose();
  }
}

/**
 * Fraction of the run done, in [0, ∞): `max(trainSeconds / budgetSeconds, step / steps)` with a budget, else
 * `step / steps`. The run is over when it reaches 1.
 */
export function trainingProgress(train: Pick<TrainConfig, 'steps' | 'budgetSeconds'>, step: number, trainSeconds: number): number {
  const byStep = step / train.steps;
  return train.budgetSeconds > 0 ? Math.max(byStep, trainSeconds / train.budgetSeconds) : byStep;
}

function concatFloat(parts: readonly ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p as ArrayLike<number>, o);
    o += p.length;
  }
  return out;
}
