/**
 * darl → PyTorch twin → darl: N darl steps, N twin steps (`python3 -m darl_torch.train`), then darl resumes, loads,
 * probes and samples; and a 2-process DDP run (torchrun, gloo on CPU) against a 1-process run of the same steps.
 */
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '@darl/tensor-backend';
import { generate } from '../model/generate.js';
import { writeTinyIdx } from '../test-support/tiny-data.js';
import { runTwin, skipTwin, TORCHRUN_PY311 } from '../test-support/torch-twin.js';
import { loadRun } from './load-run.js';
import { pretrain } from './pretrain.js';
import { probeRun } from './jobs/probe-run.js';

const N = 3;
const tmp = () => mkdtempSync(join(tmpdir(), 'darl-twin-'));
const backbone = { preset: 'tiny' as const, width: 16, depth: 2, heads: 2 };
const train = { steps: 2 * N + 1, batchSize: 8, lr: 3e-3, warmupSteps: 2, logEvery: 1, evalImages: 0, ema: 0.9, augment: 'crop+flip' as const };

/** Per-step losses of metrics.jsonl. */
function losses(dir: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const line of readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as { step?: number; loss?: number; event?: string };
    if (r.event === undefined && r.step !== undefined && r.loss !== undefined) out.set(r.step, r.loss);
  }
  return out;
}

describe.skipIf(skipTwin)('darl → PyTorch twin → darl', () => {
  let data = '';
  beforeAll(async () => {
    await useBackend('cpu');
    data = `idx:${writeTinyIdx(64, 3)}`;
  });

  it.each(['mse', 'diffusion'] as const)('%s: darl trains N steps, the twin N more, darl resumes, loads, probes and samples', async (objective) => {
    const run = {
      model: { patchSize: 2, backbone, objective, diffusion: { decoder: { width: 16, depth: 1 }, sampleSteps: 2 } },
      train,
    };
    const dir = tmp();
    await pretrain({ run, data, out: dir, stopAt: N, progress: 'none' });
    runTwin(['darl_torch.train', dir, '--stop-at', String(2 * N), '--quiet']);
    // The twin checked darl's digests when it read the checkpoint, and records its own (darl checks them on resume).
    const latestDir = (JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')) as { dir: string }).dir;
    const digests = JSON.parse(readFileSync(join(dir, latestDir, 'digests.json'), 'utf8')) as { algorithm: string; files: Record<string, string> };
    expect(digests.algorithm).toBe('sha256');
    expect(Object.keys(digests.files).sort()).toEqual(['model.safetensors', 'optimizer.safetensors', 'state.json']);
    const twin = losses(dir);
    expect([...twin.keys()]).toEqual(Array.from({ length: 2 * N }, (_, i) => i + 1));
    if (objective === 'mse') {
      // MSE is deterministic given data and weights: the twin's steps are the steps darl would have taken.
      const whole = tmp();
      await pretrain({ run, data, out: whole, stopAt: 2 * N, progress: 'none' });
      const ref = losses(whole);
      for (let s = N + 1; s <= 2 * N; s++) {
        console.log(`twin round trip mse step ${s}: darl ${ref.get(s)} twin ${twin.get(s)}`);
        expect(Math.abs(twin.get(s)! - ref.get(s)!) / ref.get(s)!).toBeLessThan(1e-4);
      }
    }
    const resumed = await pretrain({ out: dir, resume: true, progress: 'none' });
    expect(resumed.step).toBe(2 * N + 1);
    expect(resumed.finished).toBe(true);
    expect(Number.isFinite(resumed.finalLoss)).toBe(true);
    const loaded = await loadRun(dir);
    expect(loaded.ema).toBe(true);
    const images = generate(loaded.model, loaded.params, { n: 2, seed: 1, steps: 2 });
    expect(images.shape).toEqual([2, 8, 8, 1]);
    expect(Number.isFinite(tf.sum(images).dataSync()[0]!)).toBe(true);
    images.dispose();
    loaded.dispose();
    const probe = await probeRun({ run: dir, layers: [2], poolings: ['mean'], attentions: ['causal'], maxTrain: 32, maxTest: 16, probeSteps: 20 });
    console.log(`twin round trip ${objective}: probe test accuracy ${probe.json.best.testAccuracy} (4 classes)`);
    expect(probe.json.best.testAccuracy).toBeGreaterThan(0.25);
  });

  it('a 2-process DDP run (gloo) takes the steps a 1-process run takes, and loads back into darl', async () => {
    const run = {
      model: { patchSize: 2, backbone, objective: 'diffusion' as const, diffusion: { decoder: { width: 16, depth: 1 }, batchMultiplier: 2 } },
      train: { ...train, accumulate: 2 },
    };
    const single = tmp();
    await pretrain({ run, data, out: single, stopAt: 1, progress: 'none' });
    const ddp = tmp();
    cpSync(single, ddp, { recursive: true });
    const start = await loadRun(single, { ema: false });
    const w0 = start.params.embed.w.dataSync();
    start.dispose();
    runTwin(['darl_torch.train', single, '--stop-at', String(2 * N), '--quiet']);
    runTwin(['darl_torch.train', ddp, '--stop-at', String(2 * N), '--quiet'], { torchrun: ['--standalone', '--nproc_per_node=2', ...TORCHRUN_PY311] });
    const a = losses(single);
    const b = losses(ddp);
    for (let s = 2; s <= 2 * N; s++) {
      console.log(`twin DDP step ${s}: 1 process ${a.get(s)} 2 processes ${b.get(s)}`);
      expect(Math.abs(a.get(s)! - b.get(s)!) / a.get(s)!).toBeLessThan(1e-5);
    }
    const one = await loadRun(single, { ema: false });
    const two = await loadRun(ddp, { ema: false });
    expect(two.state.step).toBe(2 * N);
    expect(two.state.backend).toMatchObject({ name: 'torch', worldSize: 2, strategy: 'ddp' });
    expect(one.state.backend).toMatchObject({ worldSize: 1 });
    const wa = one.params.embed.w.dataSync();
    const wb = two.params.embed.w.dataSync();
    let worst = 0;
    let moved = 0;
    for (let i = 0; i < wa.length; i++) {
      worst = Math.max(worst, Math.abs(wa[i]! - wb[i]!));
      moved = Math.max(moved, Math.abs(wa[i]! - w0[i]!));
    }
    console.log(`twin DDP: after ${2 * N - 1} steps embed/w moved by up to ${moved}; 1 vs 2 processes differ by up to ${worst}`);
    expect(moved).toBeGreaterThan(1e-3);
    expect(worst).toBeLessThan(1e-5);
    const images = generate(two.model, two.params, { n: 1, seed: 2, steps: 2 });
    expect(Number.isFinite(tf.sum(images).dataSync()[0]!)).toBe(true);
    images.dispose();
    one.dispose();
    two.dispose();
  });
});
