/**
 * The config walk of a start: the run config is parsed once and the backbone's `transformerConfig` runs once, for a
 * new run, a resume and a resume from an older kept checkpoint; `--print-config`'s plan does the same.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as transformer from '@darl/transformer';
import { disposeTree, useBackend } from '@darl/tensor-backend';
import { runConfigSchema } from '../../../config/schema.js';
import { resolveRunConfig } from '../../../config/resolve.js';
import { paramTree } from '../../../model/darl-model.js';
import { tinyDataset } from '../../../test-support/tiny-data.js';
import { composeRunConfig } from '../../cli/compose-config.js';
import { pretrain, type PretrainOptions } from '../../pretrain.js';
import { planPretrain } from './plan.js';

vi.mock('@darl/transformer', async (importOriginal) => {
  const actual = await importOriginal<typeof transformer>();
  return { ...actual, transformerConfig: vi.fn(actual.transformerConfig) };
});

const datasets = { train: tinyDataset(32, 1), test: tinyDataset(8, 2) };
const run = {
  model: { patchSize: 2, backbone: { preset: 'tiny' as const, width: 16, depth: 2, heads: 2 } },
  train: { batchSize: 8, steps: 4, warmupSteps: 1, logEvery: 1, evalImages: 0, checkpointEvery: 1, keepCheckpoints: 4 },
};
const tmp = () => mkdtempSync(join(tmpdir(), 'darl-walk-'));

/** Runs `start` and counts the run-config parses and `transformerConfig` calls it makes. */
async function count(start: () => Promise<unknown>): Promise<{ parses: number; transformerConfigs: number }> {
  const parse = vi.spyOn(runConfigSchema, 'safeParse');
  const resolve = vi.mocked(transformer.transformerConfig);
  parse.mockClear();
  resolve.mockClear();
  try {
    await start();
    return { parses: parse.mock.calls.length, transformerConfigs: resolve.mock.calls.length };
  } finally {
    parse.mockRestore();
  }
}

async function train(opts: Omit<PretrainOptions, 'datasets' | 'data' | 'progress'>): Promise<void> {
  const r = await pretrain({ ...opts, datasets, data: 'tiny', progress: 'none' });
  disposeTree(paramTree(r.params));
}

beforeAll(async () => {
  await useBackend('cpu');
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the config walk of a pretraining start', () => {
  it('a new run parses its config once and resolves its backbone once (config.json written included)', async () => {
    const out = tmp();
    expect(await count(() => train({ run, out, stopAt: 2 }))).toEqual({ parses: 1, transformerConfigs: 1 });
  });

  it('a resume parses config.json once and resolves its backbone once, also from an older kept checkpoint', async () => {
    const out = tmp();
    await train({ run, out, stopAt: 2 });
    expect(await count(() => train({ out, resume: true, stopAt: 3 }))).toEqual({ parses: 1, transformerConfigs: 1 });
    expect(await count(() => train({ out, resume: true, fromStep: 2 }))).toEqual({ parses: 1, transformerConfigs: 1 });
  });

  it('the CLI path (compose, plan, print the resolved config) parses once and resolves the backbone once', async () => {
    const composed = await composeRunConfig({ set: ['train.batchSize=8', 'model.patchSize=2', 'model.backbone={"preset":"tiny","width":16,"depth":2,"heads":2}'] });
    expect(
      await count(async () => {
        const plan = await planPretrain({ run: composed.input, configSource: composed.source, datasets });
        expect(resolveRunConfig(plan.run).model.backbone).toMatchObject({ width: 16, depth: 2, heads: 2 });
      }),
    ).toEqual({ parses: 1, transformerConfigs: 1 });
  });
});
