// Times the reference model of DESIGN.md §3 (28×28×1 images, patch 4 → 49 patches + SOS = 50 tokens of dimension 16,
// embedded to width 128, depth 4, 4 heads, MLP 512, batch 64; rope2d; linear head to 16 and next-patch MSE) on the
// named backends: forward, and forward + backward (gradients of the loss for every parameter, no optimiser step).
//
// Run from packages/transformer:
//   npx tsx --conditions=@darl/source scripts/time-reference.ts            # wasm and cpu
//   npx tsx --conditions=@darl/source scripts/time-reference.ts wasm --iters 5
// Prints one line per backend and measurement: median ms over the timed iterations, after one warm-up iteration.
import * as tf from '@tensorflow/tfjs-core';
import { disposeTree, flattenTree, Rng, useBackend, type BackendName } from '@darl/tensor-backend';
import { applyTransformer, initLinear, initTransformer, rasterPositions, transformerConfig } from '../src/index.js';

const args = process.argv.slice(2);
const itersFlag = args.indexOf('--iters');
const iters = itersFlag >= 0 ? Number(args[itersFlag + 1]) : undefined;
const backends = (args.find((a, i) => !a.startsWith('--') && i !== itersFlag + 1) ?? 'wasm,cpu').split(',') as BackendName[];

const B = 64;
const P = 16; // 4 × 4 × 1 patch
const GRID = 7;
const config = transformerConfig({ preset: 'small' }); // width 128, depth 4, 4 heads, MLP 512, rope2d
const grid = rasterPositions(GRID, GRID);
const positions = { rows: Int32Array.of(-1, ...grid.rows), cols: Int32Array.of(-1, ...grid.cols) }; // SOS at (−1, −1) + 49 patches = 50 tokens
const L = positions.rows.length;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time(label: string, n: number, fn: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i <= n; i++) {
    const t0 = performance.now();
    const out = fn();
    const outs = Array.isArray(out) ? out : [out];
    await Promise.all(outs.map((t) => t.data()));
    const dt = performance.now() - t0;
    tf.dispose(outs);
    if (i > 0) ms.push(dt); // iteration 0 is the warm-up
  }
  const m = median(ms);
  console.log(`${label}: ${m.toFixed(0)} ms (median of ${n}; ${ms.map((v) => v.toFixed(0)).join(', ')})`);
  return m;
}

for (const backend of backends) {
  const info = await useBackend(backend);
  const n = iters ?? (backend === 'cpu' ? 2 : 5);
  const rng = new Rng(0);
  const params = initTransformer(config, { seed: rng });
  const embed = initLinear(P, config.width, { seed: rng });
  const head = initLinear(config.width, P, { seed: rng });
  const sos = tf.variable(tf.zeros([1, 1, config.width]));
  const patches = rng.normal([B, L, P]); // patch 0 … 49 (the last is only a target)
  const inputs = tf.slice(patches, [0, 0, 0], [B, L - 1, P]);
  const targets = tf.reshape(tf.slice(patches, [0, 1, 0], [B, L - 1, P]), [B * (L - 1), P]);
  const loss = (): tf.Scalar =>
    tf.tidy(() => {
      const x = tf.reshape(tf.add(tf.matMul(tf.reshape(inputs, [-1, P]), embed.w), embed.b), [B, L - 1, config.width]);
      const tokens = tf.concat([tf.tile(sos, [B, 1, 1]), x], 1) as tf.Tensor3D; // [B, 50, 128]
      const h = applyTransformer(params, config, tokens, { positions, attention: 'causal' }).output;
      const y = tf.add(tf.matMul(tf.reshape(tf.slice(h, [0, 0, 0], [B, L - 1, config.width]), [-1, config.width]), head.w), head.b);
      return tf.mean(tf.square(tf.sub(y, targets)));
    });
  const variables = [...flattenTree(params), ...flattenTree(embed), ...flattenTree(head)].map(([, v]) => v);
  variables.push(sos);
  const nParams = variables.reduce((s, v) => s + v.size, 0);
  console.log(
    `backend ${info.name} (tfjs ${info.tfjsVersion}${info.simd !== undefined ? `, simd ${info.simd}, threads ${info.threads}` : ''}, ` +
      `overrides [${info.kernelOverrides.join(', ')}]); ${nParams} parameters, batch ${B}, ${L} tokens`,
  );
  const live = tf.memory().numTensors;
  await time(`  ${backend} forward`, n, () => loss());
  await time(`  ${backend} forward+backward`, n, () => {
    const { value, grads } = tf.variableGrads(loss, variables);
    return [value, ...Object.values(grads)];
  });
  if (tf.memory().numTensors !== live) console.log(`  warning: ${tf.memory().numTensors - live} tensors leaked while timing`);
  disposeTree([params, embed.w, embed.b, head.w, head.b, sos, patches, inputs, targets] as never);
}
