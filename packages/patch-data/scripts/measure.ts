// Measures what issue 4's closing note asks for:
//   1. the time to load Fashion-MNIST's 60 000 training images (IDX .gz from Debian's dataset-fashion-mnist);
//   2. batches/second of the data path for batch 256 (28×28×1, patch 4) on the wasm and cpu backends:
//      BatchStream.next (shuffled bytes) → pixelsToTensor ([-1, 1]) → patchify → [256, 49, 16],
//      the fused pixelsToPatches instead of the two steps, and each plus normPixTargets (per-patch norm-pix targets).
//
//   cd packages/patch-data && npx tsx --conditions=@darl/source scripts/measure.ts [fashion-mnist dir]
//
// Prints one line per measurement.
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@darl/tensor-backend';
import { BatchStream, normPixTargets, patchify, pixelsToPatches, pixelsToTensor } from '@darl/patch-data';
import { loadIdx } from '@darl/patch-data/node';

const dir = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';

async function main(): Promise<void> {
  const loads: number[] = [];
  let train = await loadIdx({ dir, split: 'train' });
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    train = await loadIdx({ dir, split: 'train' });
    loads.push(performance.now() - t0);
  }
  loads.sort((a, b) => a - b);
  console.log(
    `load Fashion-MNIST train (${train.size} images, gzipped IDX): median ${loads[2]!.toFixed(0)} ms, min ${loads[0]!.toFixed(0)} ms over 5 runs`,
  );

  const B = 256;
  const P = 4;
  for (const backend of ['wasm', 'cpu'] as const) {
    await useBackend(backend);
    for (const [fused, withNormPix] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const stream = new BatchStream(train, { batchSize: B, seed: 0, dropLast: true });
      const step = (): void => {
        const b = stream.next();
        tf.tidy(() => {
          const patches = fused
            ? pixelsToPatches(b.pixels, b.shape, P, { scale: 'minus-one-one' })
            : patchify(pixelsToTensor(b.pixels, b.shape, { scale: 'minus-one-one' }), P);
          const out = withNormPix ? normPixTargets(patches).targets : patches;
          out.dataSync();
        });
      };
      for (let i = 0; i < 5; i++) step();
      const n = 100;
      const t0 = performance.now();
      for (let i = 0; i < n; i++) step();
      const s = (performance.now() - t0) / 1000;
      console.log(
        `${backend}: batch ${B} 28×28×1 P=${P}, stream + ${fused ? 'pixelsToPatches (fused)' : 'pixelsToTensor + patchify'}${withNormPix ? ' + normPixTargets' : ''}: ` +
          `${(n / s).toFixed(1)} batches/s (${((s / n) * 1000).toFixed(2)} ms/batch, ${((n * B) / s).toFixed(0)} images/s)`,
      );
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
