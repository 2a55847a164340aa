/**
 * `darl info`: which backends initialise here, which one `--backend` selects and why, and versions.
 *
 * @module
 */
import { BACKENDS_FASTEST_FIRST, backendPackage, useBackend, type BackendInfo, type WebGpuAdapterInfo } from '@darl/tensor-backend';
import { runtimeVersions } from '../versions.js';
import type { CliIO } from './cli-io.js';
import { readRunConfig } from '../run-dir/checkpoint.js';
import { listCheckpoints, lockHolderRunning, lockSchema, pointerNote, readJsonFile, RUN_FILES, runPaths, type LockInfo } from '../run-dir/index.js';

/** `darl info --run D`: the checkpoints of a run directory. */
async function runInfoOfRun(dir: string, json: boolean, io: CliIO): Promise<void> {
  await readRunConfig(dir); // a clear error when dir is not a run directory
  const listing = await listCheckpoints(dir);
  const lock = await readJsonFile(runPaths(dir).lock, lockSchema, `Delete ${runPaths(dir).lock} if no darl process writes ${dir}.`, { optional: true }).catch(() => null);
  const running = lock ? lockHolderRunning(lock) : null;
  const note = pointerNote(listing);
  if (json) {
    const { latest, pointerProblem, recovered, checkpoints, stale, damaged } = listing;
    io.stdout(`${JSON.stringify({ command: 'info', run: dir, latest, pointerProblem, recovered, checkpoints, stale, damaged, lock: lock ? { ...lock, running } : null })}\n`);
    return;
  }
  const committed = listing.latest
    ? `committed checkpoint step ${listing.latest.step} (${listing.latest.dir}${listing.recovered ? `, found without ${RUN_FILES.latest}` : `, ${listing.latest.committedAt}`})`
    : 'no committed checkpoint';
  const lines = [
    `run ${dir}: ${committed}`,
    ...(note ? [`  ${note} The next darl pretrain --resume rewrites ${RUN_FILES.latest}; nothing is deleted.`] : []),
    'checkpoints kept:',
    ...(listing.checkpoints.length ? listing.checkpoints.map((c) => `  step ${String(c.step).padStart(8)}  ${c.name}${c.latest ? '  (latest)' : ''}`) : ['  none']),
    ...listing.damaged.map((d) => `  damaged: ${d.problem}`),
    ...(listing.stale.length ? ['never committed (interrupted writes; the next writer of the run removes them):', ...listing.stale.map((p) => `  ${p}`)] : []),
    ...(lock ? [lockLine(lock, running, runPaths(dir).lock)] : []),
  ];
  io.stdout(`${lines.join('\n')}\n`);
}

function lockLine(lock: LockInfo, running: boolean | null, path: string): string {
  const held = `locked by pid ${lock.pid} on ${lock.host} since ${lock.startedAt}`;
  if (running === false) return `${held}: stale (no such process here; the next darl pretrain --resume takes it over)`;
  if (running === null) return `${held}: another host, cannot be checked from here (delete ${path} if no darl process runs there)`;
  return `${held}: the process is running`;
}

export async function runInfoCommand(opts: { backend: string; json?: boolean; run?: string }, io: CliIO): Promise<void> {
  if (opts.run !== undefined) return runInfoOfRun(opts.run, Boolean(opts.json), io);
  const backends: { name: string; package: string; available: boolean; reason?: string; simd?: boolean; webgpu?: WebGpuAdapterInfo }[] = [];
  for (const name of BACKENDS_FASTEST_FIRST) {
    try {
      const info = await useBackend(name);
      backends.push({
        name,
        package: backendPackage(name),
        available: true,
        ...(info.simd !== undefined ? { simd: info.simd } : {}),
        ...(info.webgpu ? { webgpu: info.webgpu } : {}),
      });
    } catch (err) {
      backends.push({ name, package: backendPackage(name), available: false, reason: (err as Error).message });
    }
  }
  const chosen: BackendInfo = await useBackend(opts.backend as never);
  const why = opts.backend === 'auto' ? chosen.reason : `requested with --backend ${opts.backend}`;
  const result = {
    command: 'info',
    chosen: {
      name: chosen.name,
      why,
      floatPrecision: chosen.floatPrecision,
      simd: chosen.simd,
      threads: chosen.threads,
      native: chosen.native,
      webgpu: chosen.webgpu,
      kernelOverrides: chosen.kernelOverrides,
    },
    backends,
    versions: runtimeVersions(),
    platform: { os: process.platform, arch: process.arch, cpus: (await import('node:os')).cpus().length },
  };
  if (opts.json) {
    io.stdout(`${JSON.stringify(result)}\n`);
    return;
  }
  const lines = [
    `chosen backend: ${chosen.name} — ${why}`,
    `  float precision ${chosen.floatPrecision}${chosen.simd !== undefined ? `, SIMD ${chosen.simd ? 'on' : 'off'}` : ''}${chosen.threads !== undefined ? `, threads ${chosen.threads ? 'on' : 'off'}` : ''}`,
    ...(chosen.native
      ? [`  native kernels: ${chosen.native.threads} thread(s) (${chosen.native.threadsFrom}), GEMM microkernel ${chosen.native.gemmKernel}`]
      : []),
    ...(chosen.webgpu ? [`  webgpu adapter: ${describeAdapter(chosen.webgpu)}`] : []),
    ...chosen.skipped.filter((s) => s.name === 'webgpu' || s.name === 'native').map((s) => `  not on the ${s.name} backend: ${s.reason}`),
    `  kernel overrides: ${chosen.kernelOverrides.length ? chosen.kernelOverrides.join(', ') : 'none'}`,
    'backends:',
    ...backends.map(
      (b) => `  ${b.available ? '✓' : '✗'} ${b.name.padEnd(9)} ${b.package}${b.webgpu ? ` (${describeAdapter(b.webgpu)})` : ''}${b.available ? '' : `\n      ${b.reason}`}`,
    ),
    'versions:',
    ...Object.entries(result.versions).map(([k, v]) => `  ${k.padEnd(22)} ${v}`),
  ];
  io.stdout(`${lines.join('\n')}\n`);
}

/** One line for a WebGPU adapter: who makes it, what it is, and whether it is a software fallback. */
function describeAdapter(a: WebGpuAdapterInfo): string {
  const what = [a.vendor, a.architecture].filter(Boolean).join(' / ') || 'unnamed adapter';
  const detail = [a.device, a.description].filter(Boolean).join('; ');
  const kind = a.fallback ? 'software fallback: correct but slower than the CPU backends' : 'hardware';
  return `${what}${detail ? ` (${detail})` : ''}, ${kind}, through ${a.provider === 'dawn' ? 'Dawn (the webgpu package)' : "the browser's navigator.gpu"}`;
}
