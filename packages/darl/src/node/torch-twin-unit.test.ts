/**
 * The PyTorch twin's own unit tests (python/darl_torch/tests: safetensors round trip, the ported RNG against darl's
 * golden values, the LR schedule, the timm naming map against a timm-layout ViT), run through vitest so that
 * `pnpm test` and CI run them.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTwin, skipTwin, TWIN_DIR } from '../test-support/torch-twin.js';

describe.skipIf(skipTwin)('python/darl_torch unit tests', () => {
  it('pass (python3 -m unittest)', () => {
    const out = runTwin(['unittest', 'discover', '-s', join(TWIN_DIR, 'tests')], { stderrToStdout: true });
    expect(out).toMatch(/Ran \d+ tests[\s\S]*\nOK/);
  });
});
