// 20 steps of the tiny preset on webgpu: a run interrupted at step 10 (the graceful stop the CLI makes of SIGINT) and
// resumed equals a straight run bit for bit, losses, gradient norms and final parameters. Runs when
// DARL_TEST_BACKENDS includes webgpu.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { disposeTree, flattenTree } from '@darl/tensor-backend';
import { RUN_PRESETS } from '../config/presets.js';
import { paramTree, type DarlParams } from '../model/darl-model.js';
import type { StepResult } from '../train/trainer.js';
import { onBackend, WEBGPU_REQUESTED } from '../test-support/webgpu.js';
import { pretrain } from './pretrain.js';

const run = { ...RUN_PRESETS.tiny, train: { ...RUN_PRESETS.tiny.train, steps: 20, evalImages: 0 } };
const tmp = () => mkdtempSync(join(tmpdir(), 'darl-webgpu-run-'));

async function values(params: DarlParams): Promise<Record<string, Float32Array>> {
  const leaves = flattenTree(paramTree(params));
  const data = await Promise.all(leaves.map(([, t]) => t.data()));
  disposeTree(paramTree(params));
  return Object.fromEntries(leaves.map(([path], i) => [path, data[i] as Float32Array]));
}

describe.runIf(WEBGPU_REQUESTED)('pretrain [webgpu]', () => {
  it('20 steps of the tiny preset, interrupted at step 10 and resumed, equal a straight run exactly', { timeout: 600_000 }, async () => {
    await onBackend('webgpu', async (backend) => {
      const straight: StepResult[] = [];
      const a = await pretrain({ run, out: tmp(), data: 'mnist', backend, progress: 'none', onStep: (r) => straight.push(r) });
      expect(a.finished).toBe(true);

      const dir = tmp();
      const resumed: StepResult[] = [];
      const stop = new AbortController();
      const b1 = await pretrain({
        run,
        out: dir,
        data: 'mnist',
        backend,
        progress: 'none',
        signal: stop.signal,
        onStep: (r) => {
          resumed.push(r);
          if (r.step === 10) stop.abort();
        },
      });
      expect(b1.interrupted).toBe(true);
      disposeTree(paramTree(b1.params));
      const b2 = await pretrain({ out: dir, resume: true, data: 'mnist', backend, progress: 'none', onStep: (r) => resumed.push(r) });
      expect(b2.finished).toBe(true);

      expect(resumed.map((r) => r.step)).toEqual(straight.map((r) => r.step));
      expect(resumed.map((r) => r.loss)).toEqual(straight.map((r) => r.loss));
      expect(resumed.map((r) => r.gradNorm)).toEqual(straight.map((r) => r.gradNorm));
      expect(await values(b2.params)).toEqual(await values(a.params));
      // It trained: finite losses that fell.
      expect(straight.every((r) => Number.isFinite(r.loss))).toBe(true);
      expect(straight.at(-1)!.loss).toBeLessThan(straight[0]!.loss);
    });
  });
});
