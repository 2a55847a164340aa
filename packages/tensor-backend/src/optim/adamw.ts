/**
 * AdamW: Adam with decoupled weight decay (Loshchilov & Hutter), numerically the update of `torch.optim.AdamW`.
 * tfjs ships no AdamW; its `tf.train.adam` has no decoupled decay.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { flattenTree, type TensorTree } from '../memory.js';
import { assertShape } from '../shapes.js';
import { adamwUpdate, type AdamWItem } from '../ops/adamw-update.js';

/** Options of {@link AdamW}. Defaults are PyTorch's, except `weightDecay` (0.05, the MAE/AIM value). */
export interface AdamWOptions {
  /** Decay rate of the first moment (default 0.9). */
  readonly beta1?: number;
  /** Decay rate of the second moment (default 0.999). */
  readonly beta2?: number;
  /** Added to the bias-corrected √v (default 1e-8). */
  readonly eps?: number;
  /** Decoupled weight decay coefficient λ: each step `p ← p − lr·λ·p` for decayed parameters (default 0.05). */
  readonly weightDecay?: number;
  /** Which parameters get weight decay (default {@link defaultDecay}). Evaluated once, at construction. */
  readonly decay?: (path: string, variable: tf.Variable) => boolean;
  /**
   * Per-parameter learning-rate multiplier, e.g. layer-wise LR decay in fine-tuning (default 1). It scales both
   * the Adam update and the weight decay of that parameter, like a PyTorch param group with its own `lr`.
   * Evaluated once, at construction.
   */
  readonly lrScale?: (path: string) => number;
}

const NO_DECAY_NAMES = /norm|bias|embed|pos|sos|token/i;

/**
 * The default weight-decay mask: decay weights of rank ≥ 2 except those whose path matches
 * `norm|bias|embed|pos|sos|token` (case-insensitive). Biases, LayerNorm gains, embeddings, position tables and
 * learned tokens are not decayed.
 */
export function defaultDecay(path: string, variable: { readonly rank: number }): boolean {
  return variable.rank >= 2 && !NO_DECAY_NAMES.test(path);
}

interface Slot {
  readonly path: string;
  readonly param: tf.Variable;
  readonly m: tf.Variable;
  readonly v: tf.Variable;
  readonly decay: boolean;
  readonly lrScale: number;
}

function checkNumber(name: string, value: number, lo: number, hi: number, loOpen = false, hiOpen = false): void {
  const ok = Number.isFinite(value) && (loOpen ? value > lo : value >= lo) && (hiOpen ? value < hi : value <= hi);
  if (!ok) {
    throw new Error(`AdamW: "${name}" must be in ${loOpen ? '(' : '['}${lo}, ${hi}${hiOpen ? ')' : ']'}, got ${String(value)}.`);
  }
}

/**
 * AdamW over a tree of float32 variables. Per step and parameter (λ = weightDecay, lr' = lr·lrScale(path), t the
 * 1-based step):
 * `p ← p·(1 − lr'·λ)` (decayed parameters only); `m ← β₁m + (1 − β₁)g`; `v ← β₂v + (1 − β₂)g²`;
 * `p ← p − (lr' / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)`.
 *
 * The moments live in `tf.Variable`s owned by the optimiser (free them with {@link AdamW.dispose}). A parameter
 * without a gradient in a step is left as it is (no decay, moments unchanged); the step count is global (PyTorch
 * keeps one per parameter, which differs only for parameters that sometimes have no gradient).
 *
 * @example
 * const opt = new AdamW(params, { weightDecay: 0.05 });
 * const schedule = warmupCosine({ peak: 1e-3, warmupSteps: 100, totalSteps: 5000 });
 * const { loss, grads } = gradientsByPath(params, () => lossOf(params));
 * const clipped = await clipByGlobalNorm(grads, 1.0);
 * opt.step(clipped.grads, schedule(opt.stepCount));
 * loss.dispose(); disposeTree(grads); disposeTree(clipped.grads);
 */
export class AdamW {
  private readonly slots: Slot[];
  private readonly byPath: Map<string, Slot>;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly weightDecay: number;
  private steps = 0;
  private disposed = false;

  constructor(params: TensorTree<tf.Variable>, opts: AdamWOptions = {}) {
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0.05;
    checkNumber('beta1', this.beta1, 0, 1, false, true);
    checkNumber('beta2', this.beta2, 0, 1, false, true);
    checkNumber('eps', this.eps, 0, Infinity);
    checkNumber('weightDecay', this.weightDecay, 0, Infinity);
    const decay = opts.decay ?? defaultDecay;
    const lrScale = opts.lrScale ?? (() => 1);
    const leaves = flattenTree(params);
    const seen = new Set<tf.Variable>();
    this.slots = [];
    for (const [path, param] of leaves) {
      if (!(param instanceof tf.Variable)) {
        throw new Error(`AdamW: the parameter at "${path}" is a plain tensor, not a tf.Variable; create parameters with tf.variable(...).`);
      }
      if (param.dtype !== 'float32') {
        throw new Error(`AdamW: the parameter at "${path}" has dtype ${param.dtype}; AdamW updates float32 variables only.`);
      }
      if (seen.has(param)) throw new Error(`AdamW: the variable at "${path}" appears twice in the parameter tree; list each variable once.`);
      seen.add(param);
      const scale = lrScale(path);
      if (!Number.isFinite(scale) || scale < 0) {
        throw new Error(`AdamW: lrScale("${path}") returned ${String(scale)}; it must be a finite number ≥ 0.`);
      }
      this.slots.push({
        path,
        param,
        m: tf.tidy(() => tf.variable(tf.zerosLike(param), false)),
        v: tf.tidy(() => tf.variable(tf.zerosLike(param), false)),
        decay: decay(path, param),
        lrScale: scale,
      });
    }
    this.byPath = new Map(this.slots.map((s) => [s.path, s]));
  }

  /** Number of steps taken so far (the `t` of the next step is `stepCount + 1`). */
  get stepCount(): number {
    return this.steps;
  }

  /** Per parameter: its path, whether it is decayed and its LR multiplier, in tree order. */
  settings(): {
    /** Path of the parameter in the tree (`blocks.0.attn.wqkv`). */
    path: string;
    /** Whether weight decay applies to it. */
    decay: boolean;
    /** Multiplier of the learning rate for it. */
    lrScale: number;
  }[] {
    return this.slots.map(({ path, decay, lrScale }) => ({ path, decay, lrScale }));
  }

  /**
   * Applies one AdamW update in place. `grads` are keyed by tree path (as from {@link gradientsByPath}) and are not
   * disposed; a path that is not a parameter is an error, a parameter without an entry is skipped.
   *
   * @param grads `grads[path]` float32 with the shape of the parameter at `path`
   * @param lr the base learning rate of this step (e.g. `schedule(opt.stepCount)`), ≥ 0
   */
  step(grads: Record<string, tf.Tensor>, lr: number): void {
    this.checkLive('step');
    if (!Number.isFinite(lr) || lr < 0) throw new Error(`AdamW.step: "lr" must be a finite number ≥ 0, got ${String(lr)}.`);
    for (const [path, g] of Object.entries(grads)) {
      const slot = this.byPath.get(path);
      if (slot === undefined) {
        throw new Error(
          `AdamW.step: got a gradient for "${path}", which is not a parameter of this optimiser (it has ${this.slots.length}, ` +
            `e.g. ${this.slots.slice(0, 3).map((s) => `"${s.path}"`).join(', ')}). Pass gradients keyed by the same tree paths.`,
        );
      }
      assertShape('AdamW.step', `grads["${path}"]`, g.shape, slot.param.shape);
      if (g.dtype !== 'float32') throw new Error(`AdamW.step: the gradient for "${path}" has dtype ${g.dtype}; it must be float32.`);
    }
    const t = this.steps + 1;
    const bias1 = 1 - this.beta1 ** t;
    const sqrtBias2 = Math.sqrt(1 - this.beta2 ** t);
    const items: AdamWItem[] = [];
    for (const slot of this.slots) {
      const grad = grads[slot.path];
      if (grad === undefined) continue;
      const lrHere = lr * slot.lrScale;
      const decay = slot.decay && this.weightDecay > 0 ? 1 - lrHere * this.weightDecay : 1;
      items.push({ param: slot.param, grad, m: slot.m, v: slot.v, decay, stepScale: lrHere / bias1 });
    }
    adamwUpdate(items, { beta1: this.beta1, beta2: this.beta2, eps: this.eps, sqrtBias2 });
    this.steps = t;
  }

  /**
   * The optimiser state for a checkpoint: `'m/<path>'` and `'v/<path>'` for every parameter (float32, the
   * parameter's shape). The tensors are new handles owned by the caller; store `stepCount` alongside.
   */
  stateTensors(): Record<string, tf.Tensor> {
    this.checkLive('stateTensors');
    const out: Record<string, tf.Tensor> = {};
    for (const s of this.slots) {
      out[`m/${s.path}`] = tf.clone(s.m);
      out[`v/${s.path}`] = tf.clone(s.v);
    }
    return out;
  }

  /**
   * Restores state saved by {@link AdamW.stateTensors} into this optimiser (same parameter paths and shapes). Every
   * `m/` and `v/` entry must be present and no other key; the given tensors stay owned by the caller.
   */
  loadState(tensors: Record<string, tf.Tensor>, stepCount: number): void {
    this.checkLive('loadState');
    if (!Number.isSafeInteger(stepCount) || stepCount < 0) {
      throw new Error(`AdamW.loadState: "stepCount" must be an integer ≥ 0, got ${String(stepCount)}.`);
    }
    const expected = new Set(this.slots.flatMap((s) => [`m/${s.path}`, `v/${s.path}`]));
    const unknown = Object.keys(tensors).filter((k) => !expected.has(k));
    const missing = [...expected].filter((k) => !(k in tensors));
    if (unknown.length > 0 || missing.length > 0) {
      throw new Error(
        'AdamW.loadState: the state does not match this optimiser\'s parameters' +
          (missing.length > 0 ? `; missing ${missing.slice(0, 5).map((k) => `"${k}"`).join(', ')}${missing.length > 5 ? ', …' : ''}` : '') +
          (unknown.length > 0 ? `; unexpected ${unknown.slice(0, 5).map((k) => `"${k}"`).join(', ')}${unknown.length > 5 ? ', …' : ''}` : '') +
          '. Load state saved from an optimiser over the same parameter tree.',
      );
    }
    for (const s of this.slots) {
      for (const key of [`m/${s.path}`, `v/${s.path}`]) {
        const t = tensors[key]!;
        assertShape('AdamW.loadState', key, t.shape, s.param.shape);
        if (t.dtype !== 'float32') throw new Error(`AdamW.loadState: "${key}" has dtype ${t.dtype}; it must be float32.`);
      }
    }
    for (const s of this.slots) {
      s.m.assign(tensors[`m/${s.path}`]!);
      s.v.assign(tensors[`v/${s.path}`]!);
    }
    this.steps = stepCount;
  }

  /** Frees the moment variables. The parameters are not touched. The optimiser cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const s of this.slots) {
      s.m.dispose();
      s.v.dispose();
    }
  }

  private checkLive(method: string): void {
    if (this.disposed) throw new Error(`AdamW.${method}: this optimiser was disposed; create a new one.`);
  }
}
