/**
 * `darl info`: which backends initialise here, which one `--backend` selects and why, and versions.
 *
 * @module
 */
import { BACKENDS_FASTEST_FIRST, backendPackage, useBackend, type BackendInfo } from '@darl/tensor-backend';
import { runtimeVersions } from '../versions.js';
import type { CliIO } from './cli-io.js';

export async function runInfoCommand(opts: { backend: string; json?: boolean }, io: CliIO): Promise<void> {
  const backends: { name: string; package: string; available: boolean; reason?: string; simd?: boolean }[] = [];
  for (const name of BACKENDS_FASTEST_FIRST) {
    try {
      const info = await useBackend(name);
      backends.push({ name, package: backendPackage(name), available: true, ...(info.simd !== undefined ? { simd: info.simd } : {}) });
    } catch (err) {
      backends.push({ name, package: backendPackage(name), available: false, reason: (err as Error).message });
    }
  }
  const chosen: BackendInfo = await useBackend(opts.backend as never);
  const why =
    opts.backend === 'auto'
      ? `auto picks the fastest backend that initialises (order: ${BACKENDS_FASTEST_FIRST.join(' > ')})` +
        (chosen.skipped.length ? `; skipped ${chosen.skipped.map((s) => s.name).join(', ')}` : '')
      : `requested with --backend ${opts.backend}`;
  const result = {
    command: 'info',
    chosen: { name: chosen.name, why, floatPrecision: chosen.floatPrecision, simd: chosen.simd, threads: chosen.threads, kernelOverrides: chosen.kernelOverrides },
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
    `  kernel overrides: ${chosen.kernelOverrides.length ? chosen.kernelOverrides.join(', ') : 'none'}`,
    'backends:',
    ...backends.map((b) => `  ${b.available ? '✓' : '✗'} ${b.name.padEnd(9)} ${b.package}${b.available ? '' : `\n      ${b.reason}`}`),
    'versions:',
    ...Object.entries(result.versions).map(([k, v]) => `  ${k.padEnd(22)} ${v}`),
  ];
  io.stdout(`${lines.join('\n')}\n`);
}
