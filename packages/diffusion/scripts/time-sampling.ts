// Times sampling one patch (patchDim 16, condition width 128 = the reference model's width) with 20 DDIM steps,
// for the default decoder (MLP, depth 3, width 256) and a Transformer decoder of the same depth/width, on the
// wasm and cpu backends. Also reports a batch of 49 patches (one image row-by-row step for 49 images at once).
//
//   cd packages/diffusion && npx tsx --conditions=@darl/source scripts/time-sampling.ts [--backends wasm,cpu] [--repeats 10]
//
// Expected: a table of milliseconds per sampleDiffusion call (median over repeats, after one warm-up call).
import * as tf from '@tensorflow/tfjs-core';
import { countParameters, disposeTree, Rng, useBackend, type BackendName } from '@darl/tensor-backend';
import { diffusionHeadConfig, initDiffusionHead, sampleDiffusion } from '@darl/diffusion';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const backends = arg('backends', 'wasm,cpu').split(',') as BackendName[];
const repeats = Number(arg('repeats', '10'));
const STEPS = 20;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

console.log(`sampleDiffusion, ${STEPS} DDIM steps, patchDim 16, conditionDim 128; median of ${repeats} calls (ms)`);
for (const backend of backends) {
  const info = await useBackend(backend);
  for (const kind of ['mlp', 'transformer'] as const) {
    const config = diffusionHeadConfig({ decoder: { kind, patchDim: 16, conditionDim: 128, depth: 3, width: 256, heads: 4 } });
    const head = initDiffusionHead(config, { seed: 1 });
    for (const n of [1, 49]) {
      const cond = new Rng(2).normal([n, 128]) as tf.Tensor2D;
      const rng = new Rng(3);
      sampleDiffusion(head, config, cond, { steps: STEPS, sampler: 'ddim', rng }).dispose(); // warm-up
      const times: number[] = [];
      for (let r = 0; r < repeats; r++) {
        const t0 = performance.now();
        const x = sampleDiffusion(head, config, cond, { steps: STEPS, sampler: 'ddim', rng });
        x.dataSync();
        times.push(performance.now() - t0);
        x.dispose();
      }
      cond.dispose();
      console.log(
        `${backend.padEnd(5)}${info.simd === undefined ? '' : info.simd ? ' (simd)' : ' (no simd)'}  ${kind.padEnd(11)} ` +
          `${String(countParameters(head)).padStart(8)} params  N=${String(n).padEnd(3)} ${median(times).toFixed(1).padStart(8)} ms`,
      );
    }
    disposeTree(head);
  }
}
