// The pointer `latest.json` is a cache, never the only truth, and every checkpoint file is checked against the digest
// recorded when it was committed. Each case drives the public CLI on the tiny preset against a copy of one run `B`
// with checkpoints at steps 2 and 4: a lost, truncated or inconsistent pointer costs nothing and deletes nothing,
// `info --run` tells the truth, inference accepts a state.json without resume fields, and a flipped byte is refused.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli/program.js';
import { loadCheckpointWith } from './run-dir/checkpoint.js';
import { pretrain } from './pretrain.js';

const T = ['--preset', 'tiny', '--set', 'train.evalImages=0', '--no-report', '--progress', 'none', '--backend', 'cpu'];
const work = mkdtempSync(join(tmpdir(), 'darl-pointer-'));
const B = join(work, 'B');

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { stdout: (s) => void (out += s), stderr: (s) => void (err += s) });
  return { code, out, err };
}

let copies = 0;
/** A fresh copy of run B (checkpoints at steps 2 and 4, latest.json on step 4). */
function copyOfB(): string {
  copies += 1;
  const dir = join(work, `copy-${copies}`);
  cpSync(B, dir, { recursive: true });
  return dir;
}

const kept = (dir: string) => readdirSync(join(dir, 'checkpoints')).sort();
const pointer = (dir: string) => JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')) as { step: number; dir: string };

beforeAll(async () => {
  const r = await cli('pretrain', ...T, '--set', 'train.steps=40', '--set', 'train.checkpointEvery=2', '--stop-at', '4', '--out', B);
  expect(r.code, r.err).toBe(0);
  expect(kept(B)).toEqual(['step-00000002', 'step-00000004']);
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('a lost latest.json never costs a run', () => {
  it('resume finds the newest intact checkpoint, says so, rewrites the pointer and deletes nothing', async () => {
    const dir = copyOfB();
    rmSync(join(dir, 'latest.json'));
    const info = await cli('info', '--run', dir);
    expect(info.code, info.err).toBe(0);
    expect(info.out).not.toMatch(/removed|left over/);
    expect(info.out).toMatch(/latest\.json is missing/);
    expect(info.out).toMatch(/step\s+2\s+step-00000002[\s\S]*step\s+4\s+step-00000004/);
    expect(kept(dir)).toEqual(['step-00000002', 'step-00000004']);
    const r = await cli('pretrain', '--resume', dir, '--stop-at', '6', ...T.slice(4));
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/latest\.json is missing[^\n]*step 4/);
    expect(r.err).toContain('stopped at step 6');
    expect(pointer(dir).step).toBe(6);
    expect(kept(dir)).toEqual(['step-00000004', 'step-00000006']);
  });

  it('sample reads a run without a pointer and leaves the run as it was', async () => {
    const dir = copyOfB();
    rmSync(join(dir, 'latest.json'));
    const r = await cli('sample', '--run', dir, '--n', '1', '--backend', 'cpu', '--out', join(dir, 's.png'));
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/latest\.json is missing[^\n]*step 4/);
    expect(kept(dir)).toEqual(['step-00000002', 'step-00000004']);
  });
});

describe('a damaged latest.json', () => {
  it('truncated: info works, --from-step 2 works, and messages list the intact checkpoints', async () => {
    const dir = copyOfB();
    const text = readFileSync(join(dir, 'latest.json'), 'utf8');
    writeFileSync(join(dir, 'latest.json'), text.slice(0, 20));
    const info = await cli('info', '--run', dir);
    expect(info.code, info.err).toBe(0);
    expect(info.out).toMatch(/latest\.json is not valid JSON/);
    expect(info.out).toMatch(/step-00000002[\s\S]*step-00000004/);
    expect(info.out).not.toMatch(/removed|left over/);
    const bad = await cli('pretrain', '--resume', dir, '--from-step', '3', ...T.slice(4));
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/kept: 2, 4/);
    const r = await cli('pretrain', '--resume', dir, '--from-step', '2', '--stop-at', '3', ...T.slice(4));
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('stopped at step 3');
    expect(pointer(dir).step).toBe(3);
  });

  it('a step that disagrees with its dir is refused explicitly and never deletes the real checkpoint', async () => {
    const dir = copyOfB();
    const p = pointer(dir);
    writeFileSync(join(dir, 'latest.json'), JSON.stringify({ ...p, step: 4, dir: 'checkpoints/step-00000002' }));
    const info = await cli('info', '--run', dir);
    expect(info.code, info.err).toBe(0);
    expect(info.out).toMatch(/latest\.json says step 4 but names checkpoints\/step-00000002/);
    const r = await cli('pretrain', '--resume', dir, '--stop-at', '6', ...T.slice(4));
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/latest\.json says step 4 but names checkpoints\/step-00000002[^\n]*step 4/);
    expect(r.err).toContain('stopped at step 6');
    expect(kept(dir)).toEqual(['step-00000004', 'step-00000006']);
  });
});

describe('readers never race the writer', () => {
  it('with keepCheckpoints=1, a reader whose checkpoint is pruned after it read the pointer reads the new one', async () => {
    const dir = copyOfB();
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { train: Record<string, unknown> };
    config.train.keepCheckpoints = 1;
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    const notes: string[] = [];
    let commits = 0;
    const ckpt = await loadCheckpointWith(
      dir,
      { optimizer: false, purpose: 'inference', onNote: (m) => notes.push(m) },
      {
        beforeRead: async (chosen) => {
          if (commits++ > 0) return;
          expect(chosen).toMatch(/step-00000004$/);
          // The writer commits step 5 and prunes everything else between the reader's pointer read and its file reads.
          await pretrain({ out: dir, resume: true, stopAt: 5, progress: 'none', write: () => undefined });
          expect(kept(dir)).toEqual(['step-00000005']);
        },
      },
    );
    expect(ckpt.state.step).toBe(5);
    expect(ckpt.from).toMatch(/step-00000005$/);
    expect(notes).toEqual([]);
    ckpt.dispose();
  });
});

describe('info --run tells the truth', () => {
  it('a dead pid holds a stale lock; a missing committed directory shows as missing', async () => {
    const dir = copyOfB();
    writeFileSync(join(dir, 'run.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), startedAt: 'then' }));
    rmSync(join(dir, 'checkpoints/step-00000004'), { recursive: true });
    const r = await cli('info', '--run', dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/checkpoints\/step-00000004[^\n]*missing/);
    expect(r.out).toMatch(/locked by pid \d+[^\n]*stale/);
    expect(r.out).not.toMatch(/removed|left over/);
  });
});

describe('inference needs no resume fields', () => {
  it('sample and probe accept a state.json without cursor and rng', async () => {
    const dir = copyOfB();
    const path = join(dir, 'checkpoints/step-00000004/state.json');
    const state = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    delete state.cursor;
    delete state.rng;
    writeFileSync(path, JSON.stringify(state));
    rmSync(join(dir, 'checkpoints/step-00000004/digests.json'), { force: true }); // hand-edited: no digests
    const r = await cli('sample', '--run', dir, '--n', '1', '--backend', 'cpu', '--out', join(dir, 's.png'));
    expect(r.code, r.err).toBe(0);
    const p = await cli('probe', '--run', dir, '--backend', 'cpu', '--max-train', '40', '--max-test', '20', '--layers', '1', '--pooling', 'mean', '--attention', 'causal', '--probe-steps', '5', '--no-control');
    expect(p.code, p.err).toBe(0);
    // Resuming does need them, and says which checkpoint to resume from instead.
    const resume = await cli('pretrain', '--resume', dir, ...T.slice(4));
    expect(resume.code).toBe(1);
    expect(resume.err).toMatch(/cursor[\s\S]*--from-step 2/);
  });
});

describe('checksums', () => {
  it('every committed checkpoint records a SHA-256 digest of each file', () => {
    for (const name of kept(B)) {
      const digests = JSON.parse(readFileSync(join(B, 'checkpoints', name, 'digests.json'), 'utf8')) as { files: Record<string, string> };
      expect(Object.keys(digests.files).sort()).toEqual(['model.safetensors', 'optimizer.safetensors', 'state.json']);
    }
  });

  it('a flipped byte in model.safetensors is refused, naming the file and the previous kept checkpoint', async () => {
    const dir = copyOfB();
    const path = join(dir, 'checkpoints/step-00000004/model.safetensors');
    const bytes = readFileSync(path);
    const at = bytes.length - 5; // inside the last tensor's float32 data
    bytes[at] = bytes[at]! ^ 0x01;
    writeFileSync(path, bytes);
    const s = await cli('sample', '--run', dir, '--n', '1', '--backend', 'cpu', '--out', join(dir, 's.png'));
    expect(s.code).toBe(1);
    expect(s.err).toMatch(/step-00000004\/model\.safetensors[^\n]*digest[^\n]*--step 2/);
    expect(s.err).not.toContain('--from-step');
    const r = await cli('pretrain', '--resume', dir, ...T.slice(4));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/model\.safetensors[^\n]*digest[^\n]*--from-step 2/);
    expect(statSync(path).size).toBe(bytes.length);
    // The offered checkpoint works.
    const ok = await cli('sample', '--run', dir, '--step', '2', '--n', '1', '--backend', 'cpu', '--out', join(dir, 's.png'));
    expect(ok.code, ok.err).toBe(0);
  });

  it('a checkpoint written before digests still loads', async () => {
    const dir = copyOfB();
    for (const name of kept(dir)) rmSync(join(dir, 'checkpoints', name, 'digests.json'), { force: true });
    const r = await cli('sample', '--run', dir, '--n', '1', '--backend', 'cpu', '--out', join(dir, 's.png'));
    expect(r.code, r.err).toBe(0);
    expect(existsSync(join(dir, 's.png'))).toBe(true);
  });
});
