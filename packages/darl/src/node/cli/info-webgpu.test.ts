// `darl info` on the webgpu backend, in a child process whose Vulkan driver is SwiftShader (Dawn reads
// VK_ICD_FILENAMES once per process). Needs Debian's chromium (SwiftShader) and libvulkan1: skipped with a message where
// they are absent, required in CI.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { haveSwiftShader, NO_SWIFTSHADER, SWIFTSHADER_ICD } from '../../../../../scripts/swiftshader.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../../../..');
const CLI = ['--conditions=@darl/source', '--import', 'tsx', join(root, 'packages/darl/src/cli.ts')];
if (!haveSwiftShader && !process.env.CI) console.warn(`info-webgpu.test.ts: skipped — ${NO_SWIFTSHADER}`);

function darl(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [...CLI, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, VK_ICD_FILENAMES: SWIFTSHADER_ICD }, timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe.runIf(haveSwiftShader || process.env.CI)('darl info on a software WebGPU adapter', () => {
  it('--backend webgpu runs on it and reports vendor, architecture and that it is a fallback', () => {
    const r = darl('info', '--backend', 'webgpu', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { chosen: { name: string; why: string; webgpu: Record<string, unknown> } };
    expect(j.chosen.name).toBe('webgpu');
    expect(j.chosen.why).toBe('requested with --backend webgpu');
    expect(j.chosen.webgpu).toMatchObject({ vendor: 'google', architecture: 'swiftshader', fallback: true, provider: 'dawn' });
  });

  it('auto does not choose it, and says why', () => {
    const r = darl('info');
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/^chosen backend: webgpu/);
    expect(r.out).toMatch(/not on the webgpu backend: Backend "webgpu": the only adapter is a software one \(google \/ swiftshader\)/);
    expect(r.out).toMatch(/✓ webgpu .*google \/ swiftshader .*software fallback/);
  });
});
