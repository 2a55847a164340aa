// The run-directory module: commits keep the last K, stale leftovers are found and cleaned, a failed write
// commits nothing, and the lock admits one writer and takes over a dead one.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isUserError } from '@darl/tensor-backend';
import { rmSync } from 'node:fs';
import { acquireRunLock, cleanStale, commitCheckpoint, listCheckpoints, readLatest, RunLockedError } from './index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'darl-rundir-'));
const writeOne = (text: string) => async (dir: string) => writeFileSync(join(dir, 'state.json'), text);
/** A checkpoint directory with every file a checkpoint has (contents do not matter to the store). */
const writeAll = (text: string) => async (dir: string) => {
  for (const name of ['state.json', 'model.safetensors', 'optimizer.safetensors']) writeFileSync(join(dir, name), `${name} ${text}`);
};

describe('run directory', () => {
  it('keeps the newest K committed checkpoints; a recommit of one step gets a new revision', async () => {
    const dir = tmp();
    for (const step of [1, 2, 3, 4]) await commitCheckpoint(dir, step, 2, writeOne(String(step)));
    expect(readdirSync(join(dir, 'checkpoints')).sort()).toEqual(['step-00000003', 'step-00000004']);
    await commitCheckpoint(dir, 4, 2, writeOne('4b'));
    const listing = await listCheckpoints(dir);
    expect(listing.checkpoints.map((c) => c.name)).toEqual(['step-00000004', 'step-00000004-2']);
    expect((await readLatest(dir))?.dir).toBe('checkpoints/step-00000004-2');
    expect(readFileSync(join(dir, 'checkpoints/step-00000004-2/state.json'), 'utf8')).toBe('4b');
  });

  it('a failed write commits nothing and leaves no temp directory; leftovers of a kill are cleaned', async () => {
    const dir = tmp();
    await commitCheckpoint(dir, 1, 2, writeAll('1'));
    const fail = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    const err = await commitCheckpoint(dir, 2, 2, async () => {
      throw fail;
    }).catch((e: unknown) => e);
    expect(isUserError(err)).toBe(true);
    expect((err as Error).message).toMatch(/disk is full.*The last committed checkpoint \(step 1\) is unchanged/);
    expect(readdirSync(join(dir, 'checkpoints'))).toEqual(['step-00000001']);
    // A kill after the rename but before latest.json, and one mid-write, and an atomic write's temp file:
    mkdirSync(join(dir, 'checkpoints/step-00000002'));
    mkdirSync(join(dir, 'checkpoints/.tmp-step-00000003-1-1'));
    writeFileSync(join(dir, '.latest.json.1.x.1.tmp'), '{');
    expect((await listCheckpoints(dir)).stale).toHaveLength(2);
    await cleanStale(dir);
    expect(readdirSync(join(dir, 'checkpoints'))).toEqual(['step-00000001']);
    expect(existsSync(join(dir, '.latest.json.1.x.1.tmp'))).toBe(false);
    expect((await readLatest(dir))?.step).toBe(1);
  });

  it('one writer: a live holder is refused, a dead one is taken over, release removes only our lock', async () => {
    const dir = tmp();
    const a = await acquireRunLock(dir);
    await expect(acquireRunLock(dir)).rejects.toThrow(RunLockedError); // not twice, not even by the same process
    await a.release();
    // A running pid (pid 1 always exists) in a lock without a start time cannot be judged: refused with the way out.
    writeFileSync(join(dir, 'run.lock'), JSON.stringify({ pid: 1, host: hostname(), startedAt: 'then' }));
    const refused = await acquireRunLock(dir).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RunLockedError);
    expect((refused as Error).message).toMatch(/is locked \(pid 1 on host .*, started then\).*delete .*run\.lock and run again/);
    // A dead one (no such pid) is taken over:
    writeFileSync(join(dir, 'run.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), startedAt: 'then' }));
    const c = await acquireRunLock(dir);
    expect(JSON.parse(readFileSync(join(dir, 'run.lock'), 'utf8'))).toMatchObject({ pid: process.pid });
    await c.release();
    expect(existsSync(join(dir, 'run.lock'))).toBe(false);
    // Another host: refused with the way out.
    writeFileSync(join(dir, 'run.lock'), JSON.stringify({ pid: 5, host: 'elsewhere', startedAt: 'then' }));
    await expect(acquireRunLock(dir)).rejects.toThrow(/written on host elsewhere.*delete .*run\.lock and run again/);
  });

  it('without a usable pointer the newest intact directory is committed and only temp directories are stale', async () => {
    const dir = tmp();
    for (const step of [1, 2, 3]) await commitCheckpoint(dir, step, 3, writeAll(String(step)));
    mkdirSync(join(dir, 'checkpoints/.tmp-step-00000004-1-1'));
    const all = ['step-00000001', 'step-00000002', 'step-00000003'];
    for (const pointer of [null, '{"format": "darl', JSON.stringify({ format: 'darl-run/2', step: 3, dir: 'checkpoints/step-00000001', committedAt: 'x' })]) {
      if (pointer === null) rmSync(join(dir, 'latest.json'));
      else writeFileSync(join(dir, 'latest.json'), pointer);
      const listing = await listCheckpoints(dir);
      expect(listing.recovered).toBe(true);
      expect(listing.pointerProblem).toMatch(/latest\.json (is missing|is not valid JSON|says step 3 but names checkpoints\/step-00000001)/);
      expect(listing.latest?.dir).toBe('checkpoints/step-00000003');
      expect(listing.checkpoints.map((c) => c.name)).toEqual(all);
      expect(listing.stale).toEqual([join(dir, 'checkpoints/.tmp-step-00000004-1-1')]);
      await cleanStale(dir);
      expect(readdirSync(join(dir, 'checkpoints')).sort()).toEqual(all);
      mkdirSync(join(dir, 'checkpoints/.tmp-step-00000004-1-1'));
    }
    // A damaged newest checkpoint is skipped (and reported), never removed.
    writeFileSync(join(dir, 'checkpoints/step-00000003/model.safetensors'), 'flipped');
    const listing = await listCheckpoints(dir);
    expect(listing.latest?.step).toBe(2);
    expect(listing.damaged).toEqual([{ path: join(dir, 'checkpoints/step-00000003'), problem: expect.stringMatching(/model\.safetensors is damaged: its SHA-256 digest/) }]);
    await cleanStale(dir);
    expect(readdirSync(join(dir, 'checkpoints')).sort()).toEqual(all);
    // A commit restores the pointer; pruning then counts only checkpoints older than the one committed.
    await commitCheckpoint(dir, 3, 2, writeAll('3b'));
    expect((await readLatest(dir))?.dir).toBe('checkpoints/step-00000003-2');
    expect(readdirSync(join(dir, 'checkpoints')).sort()).toEqual(['step-00000003', 'step-00000003-2']);
  });
});
