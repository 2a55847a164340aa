// A run pretrained on datasets that exist only in memory can be probed, fine-tuned and measured by passing the same
// datasets to the run jobs; without them the jobs say so instead of failing on the recorded name.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeTree, useBackend } from '@darl/tensor-backend';
import { paramTree } from '../../model/darl-model.js';
import { tinyDataset } from '../../test-support/tiny-data.js';
import { finetuneRun } from './finetune-run.js';
import { generationQualityRun } from './generation-quality-run.js';
import { pretrain } from '../pretrain.js';
import { RunError } from '../run-error.js';
import { probeRun } from './probe-run.js';

const datasets = { train: tinyDataset(48, 1), test: tinyDataset(24, 2) };
const run = {
  model: { patchSize: 2, backbone: { preset: 'tiny' as const, width: 16, depth: 1, heads: 2 } },
  train: { steps: 3, batchSize: 8, lr: 3e-3, warmupSteps: 1, logEvery: 1, evalImages: 8, sampleEvery: 0 },
};

describe('run jobs on in-memory datasets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'darl-in-memory-'));
  beforeAll(async () => {
    await useBackend('cpu');
    const r = await pretrain({ run, out: dir, datasets, progress: 'none' }); // no data spec: recorded as "tiny-1"
    disposeTree(paramTree(r.params));
  });

  it('records the datasets\' name, and a job without datasets says to pass them', async () => {
    const state = JSON.parse(readFileSync(join(dir, 'checkpoints/step-00000003/state.json'), 'utf8')) as { data: string };
    expect(state.data).toBe('tiny-1');
    const err = await probeRun({ run: dir, control: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunError);
    expect((err as Error).message).toMatch(/probeRun: the run in .* trained on "tiny-1", which cannot be opened from disk .*probeRun\(\{ run, datasets: \{ train, test \} \}\)/);
  });

  it('probes with the datasets', async () => {
    const { json } = await probeRun({ run: dir, datasets, layers: [1], poolings: ['mean'], attentions: ['causal'], control: false });
    expect(json.dataset).toBe('tiny-1');
    expect(json.best.testAccuracy).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'probe.json'))).toBe(true);
  });

  it('fine-tunes with the datasets, under the name given as data', async () => {
    const { json } = await finetuneRun({ run: dir, datasets, data: 'squares', config: { epochs: 1, batchSize: 8 } });
    expect(json.dataset).toBe('squares');
    expect(Number.isFinite(json.final.testAccuracy)).toBe(true);
  });

  it('measures generation quality with the datasets', async () => {
    const { json } = await generationQualityRun({ run: dir, datasets, count: 4, classifier: { epochs: 1, hidden: 8 } });
    expect(json.dataset).toBe('tiny-1');
    expect(json.completions.prefixPatches).toBe(8);
    expect(Number.isFinite(json.completions.frechet)).toBe(true);
  });
});
