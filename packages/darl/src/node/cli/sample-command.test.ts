// `darl sample` end to end on tiny runs: the grid lands where --help says, and a normPix run is refused with a user
// error that names what to do instead (it used to surface as an internal error with a stack).
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeTinyIdx } from '../../test-support/tiny-data.js';
import { runCli } from './program.js';
import { runPaths, sampleGridName } from '../run-dir/index.js';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { stdout: (s) => void (out += s), stderr: (s) => void (err += s) });
  return { code, out, err };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'darl-sample-'));
const tiny = ['--set', 'model.patchSize=4', '--set', 'model.backbone={"preset":"tiny","width":16,"depth":1,"heads":2}'];
const fast = ['--set', 'train.steps=2', '--set', 'train.batchSize=8', '--set', 'train.warmupSteps=1', '--set', 'train.evalImages=0'];

async function pretrainTiny(data: string, ...extra: string[]): Promise<string> {
  const run = join(tmp(), 'run');
  const r = await cli('pretrain', '--backend', 'cpu', '--data', data, ...tiny, ...fast, ...extra, '--out', run, '--progress', 'none', '--no-report');
  expect(r.err).not.toContain('internal error');
  expect(r.code).toBe(0);
  return run;
}

describe('darl sample', () => {
  let data = '';
  beforeAll(() => {
    data = `idx:${writeTinyIdx(32, 5)}`;
  });

  it('writes its grid to the default file named in --help', async () => {
    const run = await pretrainTiny(data);
    const r = await cli('sample', '--backend', 'cpu', '--run', run, '--n', '2', '--seed', '3', '--json');
    expect(r.code).toBe(0);
    const expected = join(runPaths(run).samples, sampleGridName(3));
    expect((JSON.parse(r.out) as { file: string }).file).toBe(expected);
    expect(existsSync(expected)).toBe(true);
  });

  it('on a normPix run: a user error naming the cause and what to use instead, exit 1, no stack', async () => {
    const run = await pretrainTiny(data, '--set', 'model.normPix=true');
    for (const extra of [[], ['--prefix', '1']]) {
      const r = await cli('sample', '--backend', 'cpu', '--run', run, '--n', '2', ...extra);
      expect(r.err).not.toContain('internal error');
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^darl: error: The run .* was trained with model\.normPix=true: /);
      expect(r.err).toContain(`darl probe --run ${run}`);
      expect(r.err).toContain('--set model.normPix=false');
      expect(existsSync(runPaths(run).samples)).toBe(false);
    }
    const j = await cli('sample', '--backend', 'cpu', '--run', run, '--json');
    expect(j.code).toBe(1);
    expect((JSON.parse(j.out) as { error: { kind: string; name: string } }).error).toMatchObject({ kind: 'user', name: 'RunError' });
  });
});
