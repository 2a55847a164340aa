/**
 * darl vs its PyTorch twin (python/darl_torch) on a fixed batch from the same checkpoint: the same loss and the same
 * gradients, to float32 rounding, for every objective, decoder and position encoding. darl writes each case's run
 * directory and its loss, gradients and noise draws; the twin recomputes them (`python3 -m darl_torch.parity`).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { sampleNoiseLevels } from '@darl/diffusion';
import { pixelsToTensor, readImages } from '@darl/patch-data';
import { flattenTree, gradientsByPath, Rng, useBackend } from '@darl/tensor-backend';
import { saveSafetensors } from '@darl/tensor-backend/node';
import { runConfigSchema, type RunConfigInput } from '../config/schema.js';
import { parseConfig } from '../config/validate.js';
import { buildDarl, darlLoss, initDarlParams, paramTree } from '../model/darl-model.js';
import { tinyDataset } from '../test-support/tiny-data.js';
import { runTwin, skipTwin } from '../test-support/torch-twin.js';
import { RUN_FORMAT, saveCheckpoint, writeRunConfig } from './run-dir/checkpoint.js';

const backbone = { preset: 'tiny' as const, width: 16, depth: 2, heads: 2 };
const decoder = { width: 16, depth: 2, heads: 2 };
const CASES: Record<string, RunConfigInput['model']> = {
  'mse rope2d': { position: 'rope2d' },
  'mse rope1d': { position: 'rope1d' },
  'mse learned': { position: 'learned' },
  'mse sincos2d': { position: 'sincos2d' },
  'mse none': { position: 'none' },
  'mse normPix, random order': { normPix: true, patchOrder: { kind: 'random', seed: 7 } },
  'diffusion mlp rope2d': { objective: 'diffusion', diffusion: { decoder } },
  'diffusion mlp learned, eps, min-snr, K=2': {
    objective: 'diffusion',
    position: 'learned',
    diffusion: { decoder, prediction: 'eps', weighting: 'min-snr', batchMultiplier: 2 },
  },
  'diffusion transformer rope2d, v, cosine': {
    objective: 'diffusion',
    diffusion: { decoder: { ...decoder, kind: 'transformer' }, prediction: 'v', noiseLevels: { kind: 'schedule', schedule: 'cosine' } },
  },
  'diffusion transformer sincos2d, no γ input, nested order': {
    objective: 'diffusion',
    position: 'sincos2d',
    patchOrder: { kind: 'nested', block: 2 },
    diffusion: { decoder: { ...decoder, kind: 'transformer', gammaInput: false }, noiseLevels: { kind: 'schedule', schedule: 'sigmoid', shift: 1 } },
  },
  'diffusion mlp rope1d, snr, linear schedule': {
    objective: 'diffusion',
    position: 'rope1d',
    diffusion: { decoder, weighting: 'snr', noiseLevels: { kind: 'schedule', schedule: 'linear' } },
  },
};

interface Parity {
  lossDarl: number;
  lossTwin: number;
  lossRel: number;
  gradRelGlobal: number;
  gradWorst: { name: string; rel: number; abs: number; scale: number };
  tensors: number;
}

/** Writes a run directory with perturbed weights (so no zero-initialised layer hides a gradient) and the batch fixture. */
async function writeCase(dir: string, model: RunConfigInput['model']): Promise<void> {
  const run = parseConfig(runConfigSchema, { model: { image: { height: 8, width: 8, channels: 1 }, patchSize: 2, backbone, ...model } }, 'case');
  const darl = buildDarl(run.model);
  const params = initDarlParams(darl, { seed: 3 });
  const noise = new Rng('perturb');
  for (const [, v] of flattenTree(paramTree(params))) {
    tf.tidy(() => (v as tf.Variable).assign(tf.add(v, noise.normal(v.shape, { std: 0.1 }))));
  }
  await writeRunConfig(dir, run);
  const state = { format: RUN_FORMAT, step: 0, cursor: { epoch: 0, position: 0 }, rng: new Rng(0).state(), data: 'tiny', versions: {}, backend: {}, startedAt: '', wallSeconds: 0, finished: false } as const;
  await saveCheckpoint(dir, { params: paramTree(params), optimizer: {}, state });
  const data = tinyDataset(4, 5);
  const images = pixelsToTensor(readImages(data, Int32Array.of(0, 1, 2, 3)), [4, 8, 8, 1], { scale: 'minus-one-one' });
  let lossValue = 0;
  const { loss, grads } = gradientsByPath(paramTree(params), () => {
    const r = darlLoss(darl, params, images, { rng: new Rng(11) });
    r.perTarget.dispose();
    return r.loss;
  });
  lossValue = loss.dataSync()[0]!;
  const fixture: Record<string, tf.Tensor> = { images };
  for (const [path, g] of Object.entries(grads)) fixture[`grad/${path}`] = g;
  let gamma: number[] | null = null;
  if (run.model.objective === 'diffusion') {
    const replay = new Rng(11); // the same draws darlLoss made: γ for all K·N draws from fork('gamma'), ε from fork('noise')
    const gammaRng = replay.fork('gamma');
    const noiseRng = replay.fork('noise');
    const n = 4 * darl.length * run.model.diffusion.batchMultiplier;
    gamma = Array.from(sampleNoiseLevels(run.model.diffusion.noiseLevels, n, gammaRng));
    fixture.eps = noiseRng.normal([n, darl.patchDim]);
  }
  await saveSafetensors(join(dir, 'batch.safetensors'), fixture);
  writeFileSync(join(dir, 'batch.json'), JSON.stringify({ loss: lossValue, gamma }));
  for (const t of Object.values(fixture)) t.dispose();
  loss.dispose();
  for (const [, v] of flattenTree(paramTree(params))) v.dispose();
}

describe.skipIf(skipTwin)('PyTorch twin parity (loss and gradients on a fixed batch)', () => {
  const results: Record<string, Parity> = {};

  beforeAll(async () => {
    await useBackend('cpu');
    const root = mkdtempSync(join(tmpdir(), 'darl-twin-parity-'));
    const dirs: string[] = [];
    for (const [i, model] of Object.values(CASES).entries()) {
      const dir = join(root, String(i));
      mkdirSync(dir);
      await writeCase(dir, model);
      dirs.push(dir);
    }
    const out = JSON.parse(runTwin(['darl_torch.parity', ...dirs])) as Parity[];
    Object.keys(CASES).forEach((name, i) => (results[name] = out[i]!));
    for (const [name, r] of Object.entries(results)) {
      console.log(
        `twin parity ${name}: loss darl ${r.lossDarl.toPrecision(8)} twin ${r.lossTwin.toPrecision(8)} (rel ${r.lossRel.toExponential(1)}); ` +
          `grads rel ${r.gradRelGlobal.toExponential(1)} overall, worst ${r.gradWorst.rel.toExponential(1)} (${r.gradWorst.name}) over ${r.tensors} tensors`,
      );
    }
  });

  it.each(Object.keys(CASES))('%s', (name) => {
    const r = results[name]!;
    expect(r.lossRel).toBeLessThan(1e-6);
    expect(r.gradRelGlobal).toBeLessThan(1e-5);
    expect(r.gradWorst.rel).toBeLessThan(1e-5);
  });
});
