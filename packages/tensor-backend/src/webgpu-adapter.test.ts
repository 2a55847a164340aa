// The webgpu backend's adapter report, auto's policy and its errors, each in a fresh Node process: Dawn reads the
// Vulkan driver list (VK_ICD_FILENAMES) once per process, and the missing-package case needs module resolution to fail.
// The SwiftShader cases need Debian's chromium (its software Vulkan driver) and the libvulkan1 loader: skipped with a
// message where they are absent, required in CI.
import { describe, expect, it } from 'vitest';
import { haveSwiftShader, NO_SWIFTSHADER, SWIFTSHADER_ICD } from '../../../scripts/swiftshader.mjs';
import { hidePackage, runNode } from '../test/run-node.js';

if (!haveSwiftShader && !process.env.CI) console.warn(`webgpu-adapter.test.ts: SwiftShader cases skipped — ${NO_SWIFTSHADER}`);

/** Runs useBackend(name) in a child and prints its result or its error as one JSON line. */
const USE_BACKEND = `
const { useBackend } = await import(SRC + '/backend.ts');
try {
  const info = await useBackend(process.env.TEST_BACKEND);
  console.log(JSON.stringify({ name: info.name, webgpu: info.webgpu, skipped: info.skipped }));
} catch (e) {
  console.log(JSON.stringify({ error: e.name, message: e.message, userError: e instanceof (await import(SRC + '/user-error.ts')).UserError }));
}`;

function useBackendInChild(backend: string, env: Record<string, string>, imports: string[] = []): Record<string, unknown> {
  const run = runNode(USE_BACKEND, { env: { TEST_BACKEND: backend, ...env }, imports });
  const line = run.stdout.trim().split('\n').pop() ?? '';
  if (run.status !== 0 || !line.startsWith('{')) throw new Error(`child failed (status ${run.status}):\n${run.stdout}\n${run.stderr}`);
  return JSON.parse(line) as Record<string, unknown>;
}

describe('useBackend("webgpu") errors', () => {
  it('names the webgpu package and how to install it when it is missing', () => {
    const r = useBackendInChild('webgpu', { VK_ICD_FILENAMES: SWIFTSHADER_ICD }, [hidePackage('webgpu')]);
    expect(r.error).toBe('BackendUnavailableError');
    expect(r.userError).toBe(true);
    expect(r.message).toMatch(/needs the package webgpu \(Dawn for Node\), which is not installed/);
    expect(r.message).toContain('npm install webgpu@0.6.2');
    expect(r.message).not.toMatch(/\n/);
  });

  it('says that no adapter was found, and how to get one, on a machine without a Vulkan driver', () => {
    const r = useBackendInChild('webgpu', { VK_ICD_FILENAMES: '/nonexistent/no_icd.json' });
    expect(r.error).toBe('BackendUnavailableError');
    expect(r.message).toMatch(/WebGPU found no adapter on this machine/);
    expect(r.message).toContain('VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json');
    expect(r.message).toMatch(/choose --backend native or wasm/);
  });
});

describe.runIf(haveSwiftShader || process.env.CI)('useBackend on SwiftShader', () => {
  it('reports the adapter: vendor, architecture, software fallback, Dawn', () => {
    const r = useBackendInChild('webgpu', { VK_ICD_FILENAMES: SWIFTSHADER_ICD });
    expect(r.name).toBe('webgpu');
    expect(r.webgpu).toMatchObject({ vendor: 'google', architecture: 'swiftshader', fallback: true, provider: 'dawn' });
  });

  it('auto skips a software adapter and says why', () => {
    const r = useBackendInChild('auto', { VK_ICD_FILENAMES: SWIFTSHADER_ICD });
    expect(r.name).not.toBe('webgpu');
    const skipped = r.skipped as { name: string; reason: string }[];
    expect(skipped[0]!.name).toBe('webgpu');
    expect(skipped[0]!.reason).toMatch(/the only adapter is a software one \(google \/ swiftshader\).*auto does not choose it/);
    expect(skipped[0]!.reason).toContain('--backend webgpu');
  });
});
