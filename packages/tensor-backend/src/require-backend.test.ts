// A tensor made through darl before any backend exists gives darl's message naming useBackend, not tfjs's bare
// "No backend found in registry." Run in a fresh process: tfjs's engine is process-global.
import { describe, expect, it } from 'vitest';
import { runNode } from '../test/run-node.js';

describe('requireBackend', () => {
  it("Rng's tensors before useBackend: a user error naming useBackend", () => {
    const r = runNode(`
const { Rng } = await import(SRC + '/random.ts');
const { isUserError } = await import(SRC + '/user-error.ts');
try { new Rng(1).normal([2, 2]); console.log('no error'); } catch (e) { console.log(JSON.stringify({ user: isUserError(e), message: e.message })); }`);
    const out = JSON.parse(r.stdout.trim()) as { user: boolean; message: string };
    expect(out.user).toBe(true);
    expect(out.message).toMatch(/^Rng\.normal needs a tensor backend, and none is chosen yet\. Call `await useBackend\('auto'\)`/);
    expect(out.message).not.toContain('No backend found in registry');
  });

  it('passes once useBackend ran, and where a backend package registered itself without being selected', () => {
    const r = runNode(`
const { Rng } = await import(SRC + '/random.ts');
await import('@tensorflow/tfjs-backend-cpu');
const t = new Rng(1).normal([3]);
console.log(t.shape.join(','), (await import('@tensorflow/tfjs-core')).getBackend());`);
    expect(r.stdout.trim()).toBe('3 cpu');
  });
});
