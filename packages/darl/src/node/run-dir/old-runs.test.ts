// Run directories written by earlier versions of darl-run/2 (one committed fixture per version, see
// fixtures/old-runs.ts) still open: loadRun gives the weights they hold, the browser decoder finds their checkpoint,
// the report reads every file through its schema without a warning, and `darl info --run` lists them.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { flattenTree, disposeTree, useBackend } from '@darl/tensor-backend';
import { buildDarl, initDarlParams, paramTree } from '../../model/darl-model.js';
import { decodeRunDirectory } from '../../run-dir/decode-run-directory.js';
import { runCli } from '../cli/program.js';
import { loadRun } from '../load-run.js';
import { readRunData } from '../report/index.js';
import { OLD_RUN_VERSIONS, oldRunConfig, oldRunFiles, writeOldRuns } from './fixtures/old-runs.js';

const root = fileURLToPath(new URL('./fixtures/old-runs/', import.meta.url));

async function filesOf(dir: string): Promise<Record<string, Uint8Array>> {
  const out: Record<string, Uint8Array> = {};
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else out[relative(dir, join(d, e.name)).split('\\').join('/')] = new Uint8Array(await readFile(join(d, e.name)));
    }
  };
  await walk(dir);
  return out;
}

beforeAll(async () => {
  await useBackend('cpu');
  if (process.env.DARL_WRITE_OLD_RUNS === '1') await writeOldRuns(root);
});

describe.each(OLD_RUN_VERSIONS)('a run directory of version %s', (version) => {
  const dir = join(root, version);

  it('is what the fixture script writes (the committed files are not edited by hand)', async () => {
    const committed = await filesOf(dir);
    const made = await oldRunFiles(version);
    expect(Object.keys(committed).sort()).toEqual(Object.keys(made).sort());
    for (const [path, bytes] of Object.entries(made)) expect(Buffer.from(committed[path]!).equals(Buffer.from(bytes)), path).toBe(true);
  });

  it('loads with loadRun: the weights it holds are the tiny model at its initial parameters', async () => {
    const before = tf.memory().numTensors;
    const loaded = await loadRun(dir, { onNote: () => {} });
    const reference = initDarlParams(buildDarl(oldRunConfig().model), { seed: 0 });
    const expected = Object.fromEntries(flattenTree(paramTree(reference)));
    const got = flattenTree(paramTree(loaded.params));
    expect(got.map(([p]) => p).sort()).toEqual(Object.keys(expected).sort());
    for (const [path, t] of got) expect(Array.from(await t.data()), path).toEqual(Array.from(await expected[path]!.data()));
    expect(loaded.state.step).toBe(2);
    disposeTree(paramTree(reference));
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is decoded from its bytes (the browser path) at the same checkpoint', async () => {
    const decoded = decodeRunDirectory(await filesOf(dir));
    expect(decoded.checkpoint).toBe('checkpoints/step-00000002');
    expect(decoded.pointerProblem).toBeNull();
  });

  it('is read by the report through the schemas without a warning', async () => {
    const run = await readRunData(dir);
    expect(run.warnings).toEqual([]);
    expect(run.metrics.map((m) => m.step)).toEqual([1, 2]);
    expect(Number.isNaN(run.metrics[0]!.lossByRow![1])).toBe(true); // null in the file: not measured
    expect(run.probe?.best.testAccuracy).toBe(0.5);
    expect(run.finetune?.final.testAccuracy).toBe(0.5);
    expect(run.generation === undefined).toBe(version !== '2026-12-07-digests');
    expect(run.state?.step).toBe(2);
  });

  it('is listed by darl info --run', async () => {
    let out = '';
    const code = await runCli(['info', '--run', dir, '--json'], { stdout: (s) => void (out += s), stderr: () => {} });
    expect(code).toBe(0);
    expect(out).toContain('"step":2');
  });
});
