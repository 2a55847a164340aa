// After useBackend('native' | 'wasm'), an uncaught error of the user's program prints as itself: the wasm backend's
// Emscripten glue adds rethrowing crash handlers (which printed ~38 KB of its minified source first), and useBackend
// removes them. Run in child processes, since uncaught errors end the process.
import { describe, expect, it } from 'vitest';
import { loadNativeKernels } from '@darl/native-kernels';
import { runNode } from '../test/run-node.js';

// native where its addon built here (the install compiles it wherever g++ exists), wasm everywhere.
const backends = loadNativeKernels().ok ? ['native', 'wasm'] : ['wasm'];

const crashAfter = (backend: string, crash: string) => `
const { useBackend } = await import(SRC + '/backend.ts');
const before = process.listeners('uncaughtException').length + process.listeners('unhandledRejection').length;
const info = await useBackend(${JSON.stringify(backend)});
const after = process.listeners('uncaughtException').length + process.listeners('unhandledRejection').length;
console.log(JSON.stringify({ backend: info.name, before, after }));
setTimeout(() => { ${crash} });`;

describe('uncaught errors after useBackend', () => {
  it.each(backends)('an uncaught throw after useBackend(%s) prints ≤ 2 KB and the error itself', (backend) => {
    const r = runNode(crashAfter(backend, "throw new Error('my bug');"));
    expect(r.status).not.toBe(0);
    const state = JSON.parse(r.stdout.trim()) as { backend: string; before: number; after: number };
    expect(state.after).toBe(state.before);
    expect(r.stderr).toContain('Error: my bug');
    expect(r.stderr.length).toBeLessThanOrEqual(2048);
  });

  it('an unhandled rejection after useBackend(wasm) prints ≤ 2 KB and the error itself', () => {
    const r = runNode(crashAfter('wasm', "Promise.reject(new Error('my rejected bug'));"));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('Error: my rejected bug');
    expect(r.stderr.length).toBeLessThanOrEqual(2048);
  });

  it("keeps the program's own handlers", () => {
    const r = runNode(`
process.on('uncaughtException', (e) => { console.log('mine: ' + e.message); process.exit(3); });
const { useBackend } = await import(SRC + '/backend.ts');
await useBackend('wasm');
setTimeout(() => { throw new Error('handled by me'); });`);
    expect(r.status).toBe(3);
    expect(r.stdout).toContain('mine: handled by me');
  });
});
