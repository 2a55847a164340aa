#!/usr/bin/env node
// Walks the bad-data, bad-config and fault cases of issue 15 through the public `darl` CLI and counts, per
// category, how many give a user error (exit 1, "darl: error: …"), an internal error (exit 70), a silent acceptance
// (exit 0 where the run must be refused) or work as they should.
//
//   node packages/darl/scripts/survive-cases.mjs            (from the repository root; about 3 minutes)
//   node packages/darl/scripts/survive-cases.mjs --json     (one JSON object)
//
// Each case runs in its own temp directory; nothing outside /tmp is written.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = ['--conditions=@darl/source', '--import', 'tsx', join(root, 'packages/darl/src/cli.ts')];
const work = mkdtempSync(join(tmpdir(), 'darl-cases-'));
const TINY = ['--preset', 'tiny', '--progress', 'none', '--no-report', '--backend', 'cpu'];

function darl(args, { timeoutMs = 120_000 } = {}) {
  const r = spawnSync(process.execPath, [...CLI, ...args], { cwd: root, encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status ?? (r.signal ? 128 : -1), signal: r.signal, stderr: r.stderr ?? '', stdout: r.stdout ?? '' };
}

/** An IDX file: magic (type 0x08 unsigned byte, rank), big-endian dims, data. */
function idx(dims, data = new Uint8Array(dims.reduce((a, b) => a * b, 1)).map((_, i) => (i * 37) % 256)) {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt8(0x08, 2);
  head.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data)]);
}
function idxDir(name, n, { labels = true } = {}) {
  const d = join(work, name);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'train-images-idx3-ubyte'), idx([n, 28, 28]));
  if (labels) writeFileSync(join(d, 'train-labels-idx1-ubyte'), idx([n], new Uint8Array(n).map((_, i) => i % 10)));
  return d;
}
const file = (name, text) => {
  const p = join(work, name);
  writeFileSync(p, text);
  return p;
};
const fresh = (name) => join(work, name);

// One resumable run (stopped at step 10 of 40) to damage in many ways.
const base = join(work, 'base');
{
  const r = darl(['pretrain', ...TINY, '--set', 'train.steps=40', '--stop-at', '10', '--out', base]);
  if (r.code !== 0) throw new Error(`survive-cases: could not make the base run:\n${r.stderr}`);
}
const latestDir = (d) => join(d, JSON.parse(readFileSync(join(d, 'latest.json'), 'utf8')).dir);
const copyOfBase = (name, damage) => {
  const d = join(work, name);
  cpSync(base, d, { recursive: true });
  damage?.(d);
  return d;
};
const editState = (d, edit) => {
  const p = join(latestDir(d), 'state.json');
  const s = JSON.parse(readFileSync(p, 'utf8'));
  edit(s);
  writeFileSync(p, JSON.stringify(s));
};

/** [category, name, expectation ('user' | 'ok'), args or a function returning { code, stderr }]. */
const cases = [
  ['data', 'IDX with 0 images', 'user', () => ['pretrain', ...TINY, '--data', `idx:${idxDir('idx0', 0)}`, '--out', fresh('o1')]],
  ['data', 'dataset smaller than the batch', 'user', () => ['pretrain', ...TINY, '--data', `idx:${idxDir('idx4', 4)}`, '--out', fresh('o2')]],
  ['data', 'IDX folder without labels (pretraining)', 'ok', () => ['pretrain', ...TINY, '--set', 'train.steps=2', '--set', 'train.evalImages=0', '--data', `idx:${idxDir('nolab', 64, { labels: false })}`, '--out', fresh('o3')]],
  ['data', 'IDX truncated (gzipped)', 'user', () => {
    const d = join(work, 'gz');
    mkdirSync(d);
    writeFileSync(join(d, 'train-images-idx3-ubyte.gz'), gzipSync(idx([64, 28, 28])).subarray(0, 500));
    writeFileSync(join(d, 'train-labels-idx1-ubyte'), idx([64]));
    return ['pretrain', ...TINY, '--data', `idx:${d}`, '--out', fresh('o4')];
  }],
  ['data', 'folder of non-images', 'user', () => {
    const d = join(work, 'junk');
    mkdirSync(d);
    writeFileSync(join(d, 'a.png'), 'not a png');
    return ['pretrain', ...TINY, '--data', `folder:${d}`, '--out', fresh('o5')];
  }],
  ['config', 'patchSize 5', 'user', ['pretrain', ...TINY, '--set', 'model.patchSize=5', '--out', fresh('c1')]],
  ['config', 'patchSize 56', 'user', ['pretrain', ...TINY, '--set', 'model.patchSize=56', '--out', fresh('c2')]],
  ['config', 'custom order not a permutation', 'user', ['pretrain', ...TINY, '--set', 'model.patchOrder={"kind":"custom","permutation":[0,0,1,2]}', '--out', fresh('c3')]],
  ['config', 'nested block not dividing the grid', 'user', ['pretrain', ...TINY, '--set', 'model.patchOrder={"kind":"nested","block":3}', '--out', fresh('c4')]],
  ['config', 'config file with a UTF-8 BOM', 'ok', () => ['pretrain', ...TINY, '--config', file('bom.json', '\ufeff{"train":{"steps":2,"evalImages":0}}'), '--out', fresh('c5')]],
  ['config', 'preset vit-h on wasm', 'user', ['pretrain', ...TINY.filter((a) => a !== 'cpu' && a !== '--backend'), '--backend', 'wasm', '--set', 'model.backbone.preset=vit-h', '--out', fresh('c8')]],
  ['config', 'unknown config key', 'user', ['pretrain', ...TINY, '--set', 'train.stepz=3', '--out', fresh('c6')]],
  ['config', 'batch not divisible by accumulate', 'user', ['pretrain', ...TINY, '--set', 'train.accumulate=3', '--out', fresh('c7')]],
  ['config', 'finetune --batch-size larger than the data', 'user', () => ['finetune', '--run', base, '--max-train', '16', '--max-test', '16', '--epochs', '1', '--batch-size', '1000', '--backend', 'cpu']],
  ['out', '--out an existing file', 'user', () => ['pretrain', ...TINY, '--out', file('afile', 'x')]],
  ['out', '--out below a file', 'user', () => ['pretrain', ...TINY, '--out', join(file('afile2', 'x'), 'run')]],
  ['out', '--out of an existing run', 'user', () => ['pretrain', ...TINY, '--out', base]],
  ['out', 'restart of a run whose start failed', 'ok', () => {
    const d = fresh('failedstart');
    mkdirSync(d);
    writeFileSync(join(d, 'config.json'), readFileSync(join(base, 'config.json')));
    writeFileSync(join(d, 'metrics.jsonl'), '');
    return ['pretrain', ...TINY, '--set', 'train.steps=2', '--set', 'train.evalImages=0', '--out', d];
  }],
  ['resume', '--resume with --data', 'user', () => ['pretrain', '--resume', copyOfBase('r1'), '--data', 'folder:/nonexistent', '--progress', 'none', '--no-report']],
  ['resume', 'resume a run without a checkpoint', 'user', () => {
    const d = copyOfBase('r2', (x) => rmSync(join(x, 'latest.json')));
    return ['pretrain', '--resume', d, '--progress', 'none', '--no-report'];
  }],
  ['resume', 'model.safetensors deleted', 'user', () => ['pretrain', '--resume', copyOfBase('r3', (d) => unlinkSync(join(latestDir(d), 'model.safetensors'))), '--progress', 'none', '--no-report']],
  ['resume', 'optimizer.safetensors deleted', 'user', () => ['pretrain', '--resume', copyOfBase('r4', (d) => unlinkSync(join(latestDir(d), 'optimizer.safetensors'))), '--progress', 'none', '--no-report']],
  ['resume', 'state.json without cursor', 'user', () => ['pretrain', '--resume', copyOfBase('r5', (d) => editState(d, (s) => delete s.cursor)), '--progress', 'none', '--no-report']],
  ['resume', 'state.json without rng', 'user', () => ['pretrain', '--resume', copyOfBase('r6', (d) => editState(d, (s) => delete s.rng)), '--progress', 'none', '--no-report']],
  ['resume', 'data cursor out of range', 'user', () => ['pretrain', '--resume', copyOfBase('r7', (d) => editState(d, (s) => (s.cursor.position = 1e9))), '--progress', 'none', '--no-report']],
  ['resume', 'wallSeconds a string', 'user', () => ['pretrain', '--resume', copyOfBase('r8', (d) => editState(d, (s) => (s.wallSeconds = 'x'))), '--progress', 'none', '--no-report']],
  ['resume', 'latest.json pointing nowhere', 'user', () => ['pretrain', '--resume', copyOfBase('r9', (d) => writeFileSync(join(d, 'latest.json'), '{"format":"darl-run/2","step":99,"dir":"checkpoints/step-00000099","committedAt":"x"}')), '--progress', 'none', '--no-report']],
  ['resume', 'resume works and is exact to the end', 'ok', () => ['pretrain', '--resume', copyOfBase('r10'), '--progress', 'none', '--no-report']],
  ['readers', 'sample from a run without model.safetensors', 'user', () => ['sample', '--run', copyOfBase('s1', (d) => unlinkSync(join(latestDir(d), 'model.safetensors'))), '--backend', 'cpu', '--out', fresh('s1.png')]],
  ['readers', 'info --run lists checkpoints', 'ok', () => ['info', '--run', base]],
  ['faults', 'two writers at once', 'user', async () => {
    const d = fresh('lock');
    const first = spawn(process.execPath, [...CLI, 'pretrain', ...TINY, '--set', 'train.steps=100000', '--out', d], { cwd: root, stdio: 'ignore' });
    for (let i = 0; i < 1200 && !existsSync(join(d, 'run.lock')); i++) await new Promise((r) => setTimeout(r, 50));
    const second = darl(['pretrain', ...TINY, '--out', d]);
    first.kill('SIGKILL');
    await new Promise((r) => first.on('exit', r));
    return second;
  }],
  ['faults', 'stale lock of a killed writer', 'ok', () => {
    const d = copyOfBase('stale', (x) => writeFileSync(join(x, 'run.lock'), JSON.stringify({ pid: 999999, host: spawnSync('hostname').stdout.toString().trim(), startedAt: 'x' })));
    return ['pretrain', '--resume', d, '--progress', 'none', '--no-report'];
  }],
  ['faults', 'SIGINT, then resume', 'ok', async () => {
    const d = fresh('sigint');
    const child = spawn(process.execPath, [...CLI, 'pretrain', ...TINY, '--progress', 'lines', '--set', 'train.steps=100000', '--set', 'train.logEvery=1', '--out', d], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    let err = '';
    child.stderr.on('data', (b) => {
      err += b;
      if (/step \d+\//.test(err) && !child.killed) child.kill('SIGINT');
    });
    const code = await new Promise((r) => child.on('exit', (c) => r(c)));
    clearTimeout(guard);
    if (code !== 130 || !/--resume/.test(err)) return { code: code ?? -1, stderr: err };
    return darl(['pretrain', '--resume', d, '--stop-at', String(JSON.parse(readFileSync(join(d, 'latest.json'), 'utf8')).step + 2), '--progress', 'none', '--no-report']);
  }],
];

// Disk faults need a small or read-only mount (root only); skipped elsewhere.
const mnt = join(work, 'mnt');
mkdirSync(mnt);
if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=400k', 'tmpfs', mnt]).status === 0) {
  cases.push(['disk', 'disk full during the run', 'user', () => ['pretrain', ...TINY, '--set', 'train.checkpointEvery=2', '--out', join(mnt, 'full')]]);
  cases.push(['disk', 'read-only file system', 'user', () => {
    spawnSync('mount', ['-o', 'remount,ro', mnt]);
    return ['pretrain', ...TINY, '--out', join(mnt, 'ro', 'run')];
  }]);
}

const tally = {};
const rows = [];
for (const [category, name, expect, make] of cases) {
  const args = typeof make === 'function' ? await make() : make;
  const r = Array.isArray(args) ? darl(args) : args;
  const internal = r.code === 70 || /internal error/.test(r.stderr);
  const outcome = internal ? 'internal' : r.code === 1 && /darl: error: /.test(r.stderr) ? 'user' : r.code === 0 ? (expect === 'ok' ? 'ok' : 'silent') : expect === 'ok' ? 'failed' : 'other';
  const good = outcome === expect;
  const t = (tally[category] ??= { cases: 0, user: 0, internal: 0, silent: 0, ok: 0, other: 0, failed: 0, asExpected: 0 });
  t.cases++;
  t[outcome]++;
  if (good) t.asExpected++;
  const message = (r.stderr.match(/darl: (?:internal )?error: [^\n]*(?:\n {2}- [^\n]*)*/) ?? [''])[0];
  rows.push({ category, name, expect, outcome, code: r.code, message: message.slice(0, 300) });
  if (!process.argv.includes('--json')) console.log(`${good ? 'ok  ' : 'FAIL'} [${category}] ${name}: ${outcome} (exit ${r.code})${message ? `\n       ${message.replace(/\n/g, ' ').slice(0, 240)}` : ''}`);
}
spawnSync('umount', [mnt]);
rmSync(work, { recursive: true, force: true });
const total = Object.values(tally).reduce((a, t) => { for (const [k, v] of Object.entries(t)) a[k] = (a[k] ?? 0) + v; return a; }, {});
if (process.argv.includes('--json')) console.log(JSON.stringify({ tally, total, rows }));
else {
  console.log('\ncategory   cases  user  internal  silent  ok  other  failed  as-expected');
  for (const [c, t] of [...Object.entries(tally), ['total', total]]) {
    console.log(`${c.padEnd(10)} ${String(t.cases).padStart(5)} ${String(t.user).padStart(5)} ${String(t.internal).padStart(9)} ${String(t.silent).padStart(7)} ${String(t.ok).padStart(3)} ${String(t.other).padStart(6)} ${String(t.failed).padStart(7)} ${String(t.asExpected).padStart(12)}`);
  }
}
process.exitCode = total.asExpected === total.cases ? 0 : 1;
