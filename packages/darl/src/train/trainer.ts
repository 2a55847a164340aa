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
  clipGradients,
  Ema,
  gradientSquares,
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
  /** Mean training loss of the step's batch (before the update). */
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
    /** The step that diverged. */
    readonly step: number,
    /** The non-finite value (NaN or ±Infinity). */
    readonly value: number,
    /** What was non-finite: `loss` or `gradient norm`. */
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
  /** The AdamW optimiser over every parameter (its moments are part of a checkpoint). */
  readonly optimizer: AdamW;
  /** The EMA of the weights, or null when `train.ema` is 0. */
  readonly ema: Ema | null;
  /** Step schedule (used when `train.budgetSeconds` is 0). */
  readonly schedule: (step: number) => number;
  /** Progress schedule (used when `train.budgetSeconds` > 0; see `trainingProgress` in trainer.ts). */
  readonly progressSchedule: ProgressLrSchedule;
  private rng: Rng;

  constructor(
    /** The model being trained. */
    readonly model: DarlModel,
    /** Its parameters, updated in place by each step. */
    readonly params: DarlParams,
    /** The training settings. */
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
   * One optimiser step over `microBatches` (gradient accumulation: their gradients are averaged). Reads the device
   * once (losses, per-target losses and the gradients' sums of squares together, with `await data()`), so a GPU
   * backend is not stalled more than that.
   * @param microBatches each float32 [b, H, W, Ch], scaled like the training data; not disposed here
   * @param opts.trainSeconds training seconds spent before this step (required when `train.budgetSeconds` > 0)
   * @throws NonFiniteLossError when a loss or the gradient norm is not finite (nothing is updated)
   */
  async stepOn(microBatches: readonly tf.Tensor4D[], opts: { trainSeconds?: number } = {}): Promise<StepResult> {
    if (microBatches.length === 0) throw new Error('DarlTrainer.stepOn: give at least one micro-batch.');
    const stepNumber = this.step + 1;
    const pass = this.accumulateGradients(microBatches);
    let grads = pass.grads;
    try {
      const clip = this.train.clipNorm > 0;
      // The same float32 sums as before this read was batched: the fused sumSquares when clipping, per-tensor
      // tf.sum(tf.square(g)) otherwise.
      const squares = clip ? gradientSquares(grads) : tf.tidy(() => tf.stack(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
      const read = [...pass.losses, ...pass.perTargets, squares];
      let values: tf.TypedArray[];
      try {
        values = await Promise.all(read.map((t) => t.data()));
      } finally {
        tf.dispose(read);
      }
      const n = microBatches.length;
      const losses = values.slice(0, n).map((v) => v[0]!);
      const perTargets = values.slice(n, values.length - 1) as Float32Array[];
      const bad = losses.find((v) => !Number.isFinite(v));
      if (bad !== undefined) throw new NonFiniteLossError(stepNumber, bad, 'loss');
      const lossSum = losses.reduce((s, v) => s + v, 0);
      let gradNorm: number;
      if (clip) {
        const clipped = clipGradients(grads, values[values.length - 1]!, this.train.clipNorm); // new tensors
        for (const g of Object.values(grads)) g.dispose();
        grads = clipped.grads;
        gradNorm = clipped.norm;
      } else {
        gradNorm = Math.sqrt(Array.from(values[values.length - 1]!).reduce((s, v) => s + v, 0));
      }
      if (!Number.isFinite(gradNorm)) throw new NonFiniteLossError(stepNumber, gradNorm, 'gradient norm');
      const lr = this.nextLr(opts.trainSeconds);
      this.optimizer.step(grads, lr);
      this.ema?.update(paramTree(this.params));
      const all = concatFloat(perTargets);
      const rows = this.model.order.positions.rows;
      return {
        step: this.step,
        loss: lossSum / n,
        lr,
        gradNorm,
        lossByRow: lossByPatchRow(all, rows, this.model.grid.rows),
        ...(pass.gammas.length ? { lossByNoise: lossByNoiseLevel(all, concatFloat(pass.gammas)) } : {}),
      };
    } finally {
      for (const g of Object.values(grads)) if (!g.isDisposed) g.dispose();
    }
  }

  /**
   * The averaged gradients of the micro-batches' losses, with the losses (float32 scalars) and per-target losses
   * (float32 [b·L]) kept for one read; reads nothing. Everything returned is the caller's to dispose.
   */
  private accumulateGradients(microBatches: readonly tf.Tensor4D[]): {
    grads: Record<string, tf.Tensor>;
    losses: tf.Scalar[];
    perTargets: tf.Tensor1D[];
    gammas: Float64Array[];
  } {
    let summed: Record<string, tf.Tensor> | null = null;
    const losses: tf.Scalar[] = [];
    const perTargets: tf.Tensor1D[] = [];
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
        losses.push(loss);
        if (perTarget) perTargets.push(perTarget);
        if (gamma) gammas.push(gamma);
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
    } catch (err) {
      tf.dispose([...losses, ...perTargets, ...Object.values(summed ?? {})]);
      throw err;
    }
    const n = microBatches.length;
    if (n === 1) return { grads: summed!, losses, perTargets, gammas };
    const averaged: Record<string, tf.Tensor> = {};
    for (const [path, g] of Object.entries(summed!)) {
      averaged[path] = tf.div(g, n);
      g.dispose();
    }
    return { grads: averaged, losses, perTargets, gammas };
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
