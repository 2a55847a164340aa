/**
 * `pnpm bench --gpu`, and the entry of the bundle `bench/gpu/prepare.mjs` builds for a GPU machine without Node: runs
 * darl on webgpu (in a child process of itself) and then PyTorch on the same GPU (`reference/gpu_bench.py`, with the
 * twin's DDP/FSDP steps when given a run directory), prints one table and writes the results as JSON.
 *
 *   pnpm bench --gpu [--smoke] [--torch-device cuda|cpu] [--python EXE] [--run-dir DIR] [--out-dir DIR]
 *
 * `--smoke` shrinks every shape (SwiftShader and PyTorch on the CPU: it proves the chain). The paths of the Python
 * files, darl_torch and the native reference default to this checkout; the bundle's `run.sh` passes its own.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gpuBenchSpec, type GpuBenchSpec } from './gpu-configs.js';
import { FIGURE_PREFIX, measureDarlWebgpu } from './gpu-system.js';
import { figureTable, ratios, summaryLines, type DarlResult, type FigureResult, type NativeVitS, type TorchResult } from './gpu-report.js';

/** The whole run must end within 8 minutes on the GPU machine; unpacking Node and Vulkan comes before this clock. */
const TOTAL_SECONDS = 450;
const RESULT_PREFIX = 'BENCH_RESULT ';
const started = performance.now();
const elapsed = (): number => (performance.now() - started) / 1000;
const argv = process.argv.slice(2);
const here = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));

function arg(name: string, fallback: string): string {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? (argv[i + 1] as string) : fallback;
}

function tail(text: string, lines = 6): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/** darl on webgpu, in a child process running this same entry (tsx or the bundle) with `--measure-darl`. */
function runDarl(smoke: boolean): DarlResult {
  process.stderr.write('running darl on webgpu …\n');
  const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1] as string, '--gpu', '--measure-darl', ...(smoke ? ['--smoke'] : [])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
    timeout: Math.round((TOTAL_SECONDS / 2) * 1000),
  });
  const lines = r.stdout.split('\n');
  const line = lines.find((l) => l.startsWith(RESULT_PREFIX));
  if (r.status === 0 && line) return JSON.parse(line.slice(RESULT_PREFIX.length)) as DarlResult;
  // Stopped early (deadline, crash): keep the figures it finished.
  const figures = Object.fromEntries(
    lines.filter((l) => l.startsWith(FIGURE_PREFIX)).map((l) => JSON.parse(l.slice(FIGURE_PREFIX.length)) as { name: string; figure: FigureResult }).map((f) => [f.name, f.figure]),
  );
  return { figures, error: `exit ${r.status ?? r.signal}: ${String(r.error ?? '')} ${tail(lines.filter((l) => !l.startsWith(FIGURE_PREFIX)).join('\n'))}`.trim() };
}

/** PyTorch on `--torch-device`, eager and compiled, then the twin's DDP/FSDP steps, until the run's deadline. */
function runTorch(spec: GpuBenchSpec): TorchResult {
  const device = arg('--torch-device', 'cuda');
  process.stderr.write(`running PyTorch on ${device} …\n`);
  const runDir = arg('--run-dir', '');
  const remaining = TOTAL_SECONDS - elapsed();
  const pyArgs = [arg('--torch-script', here('../../reference/gpu_bench.py')), '--spec', JSON.stringify(spec), '--device', device];
  pyArgs.push('--deadline-seconds', (Math.max(remaining - 90, 30)).toFixed(0), ...(runDir ? ['--run-dir', runDir] : []));
  const pythonPath = [arg('--python-path', here('../../../python/darl_torch')), process.env.PYTHONPATH].filter(Boolean).join(':');
  const r = spawnSync(arg('--python', process.env.DARL_PYTHON ?? 'python3'), pyArgs, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, PYTHONPATH: pythonPath },
    maxBuffer: 64 * 1024 * 1024,
    timeout: Math.round(Math.max(remaining - 5, 30) * 1000),
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) return { error: `exit ${r.status ?? r.signal}: ${tail(r.stdout || String(r.error ?? ''))}` };
  return JSON.parse(line) as TorchResult;
}

/** darl native's ViT-S step on the 2-core machine (`bench/gpu/reference-cpu.json`), for the speed-up target. */
function nativeReference(): { file: string; vitS: NativeVitS; record?: unknown } {
  const file = arg('--native-reference', here('../../gpu/reference-cpu.json'));
  if (!existsSync(file)) return { file, vitS: {} };
  type Record = { train_vit_s?: { ms?: number }; train_vit_s_idle_estimate?: { ms?: number } };
  const record = JSON.parse(readFileSync(file, 'utf8')) as Record;
  const wallMs = record.train_vit_s?.ms;
  const idleMs = record.train_vit_s_idle_estimate?.ms;
  return { file, record, vitS: { ...(wallMs !== undefined ? { wallMs } : {}), ...(idleMs !== undefined ? { idleMs } : {}) } };
}

async function main(): Promise<void> {
  const smoke = argv.includes('--smoke');
  const spec = gpuBenchSpec(smoke);
  if (argv.includes('--measure-darl')) {
    console.log(`${RESULT_PREFIX}${JSON.stringify(await measureDarlWebgpu(spec))}`);
    return;
  }
  const darl = runDarl(smoke);
  const torch = argv.includes('--no-torch') ? { error: 'skipped: --no-torch' } : runTorch(spec);
  const native = nativeReference();
  const r = ratios(darl, torch, smoke ? {} : native.vitS);
  const lines = [...figureTable(darl, torch, r), '', ...summaryLines(darl, torch, r)];
  lines.push('', `PyTorch ${torch.version ?? '?'} on ${torch.gpu ?? arg('--torch-device', 'cuda')}; darl adapter ${JSON.stringify(darl.adapter ?? null)}`);
  lines.push(`${smoke ? 'SMOKE run (tiny shapes: proves the chain, not speed); ' : ''}total ${elapsed().toFixed(0)} s`);
  console.log(lines.join('\n'));
  const outDir = arg('--out-dir', process.env.OUT ?? here('../../bench-results'));
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, smoke ? 'gpu-smoke.json' : 'gpu.json');
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), smoke, spec, darl, torch, nativeReference: native, ratios: r, seconds: elapsed() }, null, 2)}\n`);
  console.log(`wrote ${file}`);
  if (darl.error || torch.error) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
