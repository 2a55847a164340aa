/**
 * Exponential moving average of weights (a "shadow" copy for evaluation), as in timm's ModelEmaV2.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { flattenTree, type TensorTree } from '../memory.js';
import { assertShape } from '../shapes.js';
import { emaUpdate } from '../ops/ema-update.js';

/**
 * Keeps `shadow[path] ← decay · shadow[path] + (1 − decay) · param[path]` for every parameter of a tree. The
 * shadow starts as a copy of the parameters. Its variables are owned by the `Ema` (free with {@link Ema.dispose}).
 *
 * @example
 * const ema = new Ema(params, 0.9999);
 * // after each optimiser step:
 * ema.update(params);
 * // evaluate with the averaged weights:
 * const averaged = mapTree(params, (_, path) => ema.shadow()[path]!);
 */
export class Ema {
  private readonly vars: Record<string, tf.Variable> = {};
  private disposed = false;

  /**
   * @param params tree of float32 variables to average (their current values start the shadow)
   * @param decay in [0, 1); typical 0.999–0.9999
   */
  constructor(
    params: TensorTree<tf.Variable>,
    readonly decay: number,
  ) {
    if (!Number.isFinite(decay) || decay < 0 || decay >= 1) {
      throw new Error(`Ema: "decay" must be in [0, 1), got ${String(decay)}.`);
    }
    for (const [path, p] of flattenTree(params)) {
      if (p.dtype !== 'float32') throw new Error(`Ema: the parameter at "${path}" has dtype ${p.dtype}; only float32 is averaged.`);
      if (path in this.vars) throw new Error(`Ema: the path "${path}" appears twice in the parameter tree.`);
      this.vars[path] = tf.variable(p, false);
    }
  }

  /** Moves the shadow towards `params` (a tree with the same paths and shapes as at construction). */
  update(params: TensorTree<tf.Variable>): void {
    this.checkLive('update');
    const leaves = flattenTree(params);
    const paths = Object.keys(this.vars);
    if (leaves.length !== paths.length || leaves.some(([path]) => !(path in this.vars))) {
      const extra = leaves.map(([p]) => p).filter((p) => !(p in this.vars));
      throw new Error(
        `Ema.update: the parameter tree differs from the one the Ema was built with (${leaves.length} leaves vs ${paths.length}` +
          `${extra.length > 0 ? `; unknown "${extra[0]}"` : ''}). Pass the same parameter tree.`,
      );
    }
    for (const [path, p] of leaves) assertShape('Ema.update', path, p.shape, this.vars[path]!.shape);
    emaUpdate(leaves.map(([path, p]) => ({ shadow: this.vars[path]!, param: p })), this.decay);
  }

  /** The averaged weights keyed by path (float32, each parameter's shape). The variables stay owned by the Ema. */
  shadow(): Record<string, tf.Variable> {
    this.checkLive('shadow');
    return { ...this.vars };
  }

  /**
   * Restores averaged weights (e.g. from a checkpoint): `tensors` must have exactly the shadow's paths and shapes.
   * The given tensors stay owned by the caller.
   */
  loadShadow(tensors: Record<string, tf.Tensor>): void {
    this.checkLive('loadShadow');
    const paths = Object.keys(this.vars);
    const missing = paths.filter((p) => !(p in tensors));
    const unknown = Object.keys(tensors).filter((p) => !(p in this.vars));
    if (missing.length > 0 || unknown.length > 0) {
      throw new Error(
        `Ema.loadShadow: the tensors do not match the averaged parameters (missing ${missing.length}` +
          `${missing.length > 0 ? `, e.g. "${missing[0]}"` : ''}; unexpected ${unknown.length}${unknown.length > 0 ? `, e.g. "${unknown[0]}"` : ''}).`,
      );
    }
    for (const p of paths) {
      assertShape('Ema.loadShadow', p, tensors[p]!.shape, this.vars[p]!.shape);
      if (tensors[p]!.dtype !== 'float32') throw new Error(`Ema.loadShadow: "${p}" has dtype ${tensors[p]!.dtype}; it must be float32.`);
    }
    for (const p of paths) this.vars[p]!.assign(tensors[p]!);
  }

  /** Frees the shadow variables. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of Object.values(this.vars)) v.dispose();
  }

  private checkLive(method: string): void {
    if (this.disposed) throw new Error(`Ema.${method}: this Ema was disposed; create a new one.`);
  }
}
