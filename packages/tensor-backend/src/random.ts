/**
 * A seeded, splittable pseudo-random source.
 *
 * Every random number in darl comes from an {@link Rng}: no `Math.random`, no tfjs global seed. The generator is
 * xoshiro128** (32-bit state words, period 2^128 − 1), seeded through SplitMix32. `split` derives independent
 * child streams by hashing the parent's seed with a label, so the same seed and the same sequence of calls give
 * the same numbers on every backend and every machine.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { requireBackend } from './require-backend.js';

/** The serialisable state of an {@link Rng}: four unsigned 32-bit words plus a cached spare normal deviate. */
export interface RngState {
  /** The four xoshiro128** state words (unsigned 32-bit). */
  readonly s: readonly [number, number, number, number];
  /** The second normal deviate of the last pair drawn by the polar method, or null when none is cached. */
  readonly spare: number | null;
}

function splitMix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** A 32-bit FNV-1a hash of a string, used to turn labels into seeds. */
function hashString(text: string, basis = 0x811c9dc5): number {
  let h = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

/** Turns a user seed (any safe integer or string) into 32 bits without losing the high bits of large integers. */
function seedBits(seed: number | string): number {
  if (typeof seed === 'string') return hashString(seed);
  if (!Number.isSafeInteger(seed)) {
    throw new Error(`Rng: seed must be a safe integer or a string, got ${String(seed)}. Pass e.g. { seed: 42 }.`);
  }
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 2 ** 32) >>> 0;
  return (lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0;
}

/**
 * Seeded random source. Construct with a seed, draw numbers or tensors, `split` for independent streams.
 *
 * @example
 * const rng = new Rng(42);
 * const w = rng.normal([128, 512], { std: 0.02 });   // float32 [128, 512]
 * const [a, b] = rng.split(2);
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | null = null;

  constructor(seed: number | string) {
    const next = splitMix32(seedBits(seed));
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Restores a generator from {@link Rng.state}; the restored one continues the exact same sequence. */
  static fromState(state: RngState): Rng {
    const { s, spare } = state;
    if (!Array.isArray(s) || s.length !== 4 || s.some((v) => !Number.isInteger(v) || v < 0 || v > 0xffffffff)) {
      throw new Error(`Rng.fromState: expected { s: [four uint32 words], spare }, got ${JSON.stringify(state)}.`);
    }
    const rng = new Rng(0);
    [rng.s0, rng.s1, rng.s2, rng.s3] = s;
    rng.spare = spare ?? null;
    return rng;
  }

  /** The full state, JSON-serialisable; see {@link Rng.fromState}. */
  state(): RngState {
    return { s: [this.s0, this.s1, this.s2, this.s3], spare: this.spare };
  }

  /** Next unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float64 in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform float64 in the open interval (0, 1): never exactly 0, safe for `log`. */
  nextOpen(): number {
    let u = this.next();
    while (u === 0) u = this.next();
    return u;
  }

  /** Uniform integer in [0, n). Unbiased (rejection sampling). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 0x100000000) {
      throw new Error(`Rng.int: n must be an integer in [1, 2^32], got ${n}.`);
    }
    const limit = 0x100000000 - (0x100000000 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** Standard normal deviate (Marsaglia polar method; the second deviate is cached). */
  normalScalar(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    return u * f;
  }

  /** Gamma(shape, 1) deviate (Marsaglia–Tsang, with the u^(1/a) boost for shape < 1). */
  gammaScalar(shape: number): number {
    if (!(shape > 0) || !Number.isFinite(shape)) {
      throw new Error(`Rng.gammaScalar: shape must be a finite number > 0, got ${shape}.`);
    }
    if (shape < 1) {
      // Gamma(a) = Gamma(a + 1) · U^(1/a); computed in log space so tiny shapes do not underflow to 0 too early.
      const g = this.gammaScalar(shape + 1);
      return Math.exp(Math.log(g) + Math.log(this.nextOpen()) / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normalScalar();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.nextOpen();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** Beta(a, b) deviate via two Gamma draws, computed in log space so that a, b ≪ 1 stay accurate. */
  betaScalar(a: number, b: number): number {
    const x = this.gammaScalar(a);
    const y = this.gammaScalar(b);
    if (x === 0 && y === 0) {
      // Both underflowed: decide by the log-ratio of the shapes' typical magnitudes.
      return this.next() < a / (a + b) ? 1 : 0;
    }
    return x / (x + y);
  }

  /** Fills a new Float32Array with uniform values in [low, high). */
  uniformArray(n: number, low = 0, high = 1): Float32Array {
    const out = new Float32Array(n);
    const span = high - low;
    for (let i = 0; i < n; i++) out[i] = low + span * this.next();
    return out;
  }

  /** Fills a new Float32Array with N(mean, std²) values. */
  normalArray(n: number, mean = 0, std = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = mean + std * this.normalScalar();
    return out;
  }

  /** A uniformly random permutation of 0 … n−1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }

  /** float32 tensor of `shape` with uniform values in [low, high). The caller owns it. */
  uniform(shape: readonly number[], low = 0, high = 1): tf.Tensor {
    requireBackend('Rng.uniform');
    return tf.tensor(this.uniformArray(sizeOf(shape), low, high), shape as number[], 'float32');
  }

  /** float32 tensor of `shape` with N(mean, std²) values. The caller owns it. */
  normal(shape: readonly number[], opts: { mean?: number; std?: number } = {}): tf.Tensor {
    requireBackend('Rng.normal');
    return tf.tensor(this.normalArray(sizeOf(shape), opts.mean ?? 0, opts.std ?? 1), shape as number[], 'float32');
  }

  /**
   * float32 tensor of `shape` drawn from N(mean, std²) truncated to [mean − 2·std, mean + 2·std] by rejection
   * (the `trunc_normal_(std=…)` convention of ViT/MAE with bounds at ±2σ).
   */
  truncatedNormal(shape: readonly number[], opts: { mean?: number; std?: number } = {}): tf.Tensor {
    requireBackend('Rng.truncatedNormal');
    const mean = opts.mean ?? 0;
    const std = opts.std ?? 1;
    const n = sizeOf(shape);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let z = this.normalScalar();
      while (z < -2 || z > 2) z = this.normalScalar();
      out[i] = mean + std * z;
    }
    return tf.tensor(out, shape as number[], 'float32');
  }

  /**
   * Independent child generators. Child `i` is seeded by hashing this generator's next output with `i`, so the
   * parent advances by one draw and children never overlap with it in practice.
   */
  split(count: number): Rng[] {
    const base = this.nextUint32();
    return Array.from({ length: count }, (_, i) => new Rng(hashString(`split:${i}`, base)));
  }

  /** One child generator for a named purpose, e.g. `rng.fork('dropout')`. Advances this generator by one draw. */
  fork(label: string): Rng {
    return new Rng(hashString(label, this.nextUint32()));
  }
}

function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`Rng: shape must hold non-negative integers, got [${shape.join(', ')}].`);
    n *= d;
  }
  return n;
}
