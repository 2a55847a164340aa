import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useBackend, type BackendName } from '../backend.js';
import { Rng } from '../random.js';
import { expectNoLeak } from '../testing/no-leak.js';
import { fusedAttention } from '../ops/attention.js';
import { qkvAttention } from '../ops/attention-qkv.js';
import { QKV_ATTENTION } from '../ops/attention-kernels.js';
import { maxRelDiff, randomArgs, rotaryTables, type ArgSpec } from './test-helpers.js';
import { ATTENTION_SHADER_PREFIX, type WebGpuProgram } from './webgpu-attention-program.js';
import { WEBGPU_FUSED_OVERRIDES } from './webgpu-fused.generated.js';

const enabled = (process.env.DARL_TEST_BACKENDS ?? '').split(',').includes('webgpu');

/** The override that registers the fused attention kernels on webgpu. */
const webgpuAttentionOverride = WEBGPU_FUSED_OVERRIDES.find((o) => o.kernels.some((k) => k.kernelName === QKV_ATTENTION))!;

interface Evaluation {
  out: Float32Array;
  shape: number[];
  grads: Float32Array[];
}

/** Forward output and gradients of `sum(out · dy)` on `backend`, read asynchronously (webgpu has no dataSync). */
async function evaluate(
  backend: BackendName,
  fn: (...xs: tf.Tensor[]) => tf.Tensor,
  args: readonly ArgSpec[],
  dySeed: number,
  opts: { kernelOverrides?: boolean } = {},
): Promise<Evaluation> {
  await useBackend(backend, opts);
  if (backend === 'webgpu') tf.env().set('WEBGPU_CPU_FORWARD', false);
  const xs = args.map((a) => tf.tensor(a.data, a.shape, 'float32'));
  const { out, grads } = tf.tidy(() => {
    const y = fn(...xs);
    const dy = tf.tensor(new Rng(dySeed).normalArray(y.size), y.shape, 'float32');
    return { out: y, grads: tf.grads((...ys: tf.Tensor[]) => fn(...ys))(xs, dy) };
  });
  const result = { out: (await out.data()) as Float32Array, shape: out.shape, grads: (await Promise.all(grads.map((g) => g.data()))) as Float32Array[] };
  tf.dispose([out, ...grads, ...xs]);
  return result;
}

/** Counts the attention programs the webgpu backend dispatches while `fn` runs. */
async function countDispatches<T>(fn: () => Promise<T>, opts: { kernelOverrides?: boolean } = {}): Promise<{ result: T; dispatches: number }> {
  await useBackend('webgpu', opts);
  const backend = tf.backend() as unknown as { runWebGPUProgram(p: WebGpuProgram): unknown };
  const spy = vi.spyOn(backend, 'runWebGPUProgram');
  try {
    const result = await fn();
    const dispatches = spy.mock.calls.filter((c) => c[0].shaderKey.startsWith(ATTENTION_SHADER_PREFIX)).length;
    return { result, dispatches };
  } finally {
    spy.mockRestore();
  }
}

const EPS = 2 ** -23;

/** As for the native kernels: sums of up to `n` float32 terms in different orders (RoPE adds two roundings). */
function tolerance(n: number): number {
  return 8 * EPS * Math.sqrt(n) + 4 * EPS;
}

/** [B, L, heads, dh, causal, RoPE sections (0: none)]: L past one 64-row workgroup and one key tile, odd dh. */
const QKV_CASES: [number, number, number, number, boolean, 0 | 1 | 2][] = [
  [1, 1, 1, 4, true, 2], // one token
  [2, 5, 3, 3, true, 0], // odd dh, 3 heads
  [2, 5, 3, 3, false, 0],
  [1, 70, 1, 8, true, 1], // two row tiles and two key tiles
  [2, 7, 3, 8, false, 2],
  [1, 9, 1, 16, true, 2],
  [2, 6, 2, 6, true, 1], // sections of 6 channels
];

afterEach(() => {
  vi.restoreAllMocks();
});

describe.runIf(enabled)('DarlQkvAttention(+Grad) on webgpu [webgpu]', () => {
  let seed = 300;
  for (const [B, L, H, dh, causal, sections] of QKV_CASES) {
    const title = `B=${B} L=${L} heads=${H} dh=${dh} ${causal ? 'causal' : 'full'} ${sections ? `RoPE ${sections}-D` : 'no RoPE'}`;
    it(`matches cpu's composite for ${title}, forward and dqkv, in 2 + 2 dispatches`, async () => {
      const s = seed++;
      const args = randomArgs(new Rng(s), [[B, L, 3 * H * dh]]);
      const fn = (qkv: tf.Tensor): tf.Tensor => {
        const rope = sections ? rotaryTables(L, dh, sections, s) : undefined;
        return qkvAttention(qkv as tf.Tensor3D, { heads: H, causal, ...(rope ? { rope } : {}) }); // tables: the caller's tidy
      };
      const ref = await evaluate('cpu', fn, args, s);
      const { result: got, dispatches } = await countDispatches(() => evaluate('webgpu', fn, args, s));
      expect(got.shape).toEqual([B, L, H * dh]);
      const tol = tolerance(Math.max(L, dh));
      expect(maxRelDiff(got.out, ref.out)).toBeLessThan(tol);
      expect(maxRelDiff(got.grads[0]!, ref.grads[0]!)).toBeLessThan(tol);
      // evaluate runs the forward pass twice (the output, then inside tf.grads): 2 + 2 + 2 (backward).
      expect(dispatches).toBe(6);
    });
  }

  it('is listed in kernelOverrides, and without the overrides the composite path runs (no attention dispatch) with the same numbers', async () => {
    const info = await useBackend('webgpu');
    expect(info.kernelOverrides).toContain(webgpuAttentionOverride.name);
    const args = randomArgs(new Rng(7), [[2, 5, 2 * 3 * 4]]);
    const fn = (qkv: tf.Tensor): tf.Tensor => qkvAttention(qkv as tf.Tensor3D, { heads: 2, causal: true });
    const fused = await evaluate('webgpu', fn, args, 8);
    try {
      const plain = await useBackend('webgpu', { kernelOverrides: false });
      expect(plain.kernelOverrides).not.toContain(webgpuAttentionOverride.name);
      const { result: composite, dispatches } = await countDispatches(() => evaluate('webgpu', fn, args, 8, { kernelOverrides: false }), { kernelOverrides: false });
      expect(dispatches).toBe(0);
      expect(maxRelDiff(fused.out, composite.out)).toBeLessThan(tolerance(5));
      expect(maxRelDiff(fused.grads[0]!, composite.grads[0]!)).toBeLessThan(tolerance(5));
    } finally {
      await useBackend('webgpu');
    }
  });

  it('handles an empty batch', async () => {
    await useBackend('webgpu');
    const x = tf.zeros([0, 4, 12]);
    const y = qkvAttention(x as tf.Tensor3D, { heads: 2, causal: true });
    const g = tf.grad((t: tf.Tensor) => qkvAttention(t as tf.Tensor3D, { heads: 2 }))(x);
    expect([y.shape, g.shape, (await y.data()).length, (await g.data()).length]).toEqual([[0, 4, 4], [0, 4, 12], 0, 0]);
    tf.dispose([x, y, g]);
  });

  it('leaks no tensors forward or backward', async () => {
    await useBackend('webgpu');
    tf.env().set('WEBGPU_CPU_FORWARD', false);
    const t = rotaryTables(5, 4, 2, 3);
    const x = tf.ones([2, 5, 24]);
    await expectNoLeak(() => qkvAttention(x as tf.Tensor3D, { heads: 2, causal: true, rope: t }), 'qkvAttention');
    await expectNoLeak(() => tf.grad((y: tf.Tensor) => qkvAttention(y as tf.Tensor3D, { heads: 2, rope: t }))(x), 'qkvAttention gradient');
    tf.dispose([x, t.cos, t.sin, t.swap]);
  });
});

/** [N, L, S, dh, causal]: causal with cached keys (S > L), cross attention with S < L. */
const FUSED_CASES: [number, number, number, number, boolean][] = [
  [3, 4, 7, 3, true],
  [2, 6, 3, 8, false],
  [1, 1, 1, 5, true],
  [2, 66, 66, 4, true],
];

describe.runIf(enabled)('DarlFusedAttention(+Grad) on webgpu [webgpu]', () => {
  let seed = 400;
  for (const [N, L, S, dh, causal] of FUSED_CASES) {
    it(`matches cpu's composite for N=${N} L=${L} S=${S} dh=${dh} ${causal ? 'causal' : 'full'}, forward and dq, dk, dv, in 2 + 3 dispatches`, async () => {
      const s = seed++;
      const args = randomArgs(new Rng(s), [[N, L, dh], [N, S, dh], [N, S, dh]]);
      const fn = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor): tf.Tensor => fusedAttention(q as tf.Tensor3D, k as tf.Tensor3D, v as tf.Tensor3D, { causal });
      const ref = await evaluate('cpu', fn, args, s);
      const { result: got, dispatches } = await countDispatches(() => evaluate('webgpu', fn, args, s));
      const tol = tolerance(Math.max(L, S, dh));
      expect(maxRelDiff(got.out, ref.out)).toBeLessThan(tol);
      for (let i = 0; i < 3; i++) expect(maxRelDiff(got.grads[i]!, ref.grads[i]!)).toBeLessThan(tol);
      expect(dispatches).toBe(2 + 2 + 3); // two forward passes (see above) and the backward
    });
  }

  it('leaks no tensors forward or backward', async () => {
    await useBackend('webgpu');
    tf.env().set('WEBGPU_CPU_FORWARD', false);
    const q = tf.ones([2, 3, 4]);
    const kv = tf.ones([2, 5, 4]);
    await expectNoLeak(() => fusedAttention(q as tf.Tensor3D, kv as tf.Tensor3D, kv as tf.Tensor3D, { causal: true }), 'fusedAttention');
    await expectNoLeak(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => fusedAttention(a as tf.Tensor3D, b as tf.Tensor3D, b as tf.Tensor3D))([q, kv]), 'fusedAttention gradient');
    tf.dispose([q, kv]);
  });
});
