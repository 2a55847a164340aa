/**
 * The PyTorch twin's own unit tests (python/darl_torch/tests: safetensors round trip, the ported RNG against darl's
 * golden values, the LR schedule, the timm naming map against a timm-layout ViT), run through vitest so that
 * `pnpm test` and CI run them.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TRANSFORMER_PRESETS } from '@darl/transformer';
import { runTwin, skipTwin, TWIN_DIR } from '../test-support/torch-twin.js';

describe.skipIf(skipTwin)('python/darl_torch unit tests', () => {
  it('pass (python3 -m unittest)', () => {
    const out = runTwin(['unittest', 'discover', '-s', join(TWIN_DIR, 'tests')], { stderrToStdout: true });
    expect(out).toMatch(/Ran \d+ tests[\s\S]*\nOK/);
  });
});

describe.skipIf(skipTwin)('python/darl_torch preset table', () => {
  it("equals @darl/transformer's presets (used only for config.json files that name a preset)", () => {
    const py = JSON.parse(runTwin(['darl_torch.config'])) as Record<string, Record<string, unknown>>;
    expect(Object.keys(py).sort()).toEqual(Object.keys(TRANSFORMER_PRESETS).sort());
    for (const [name, preset] of Object.entries(py)) {
      const ts = TRANSFORMER_PRESETS[name as keyof typeof TRANSFORMER_PRESETS] as unknown as Record<string, unknown>;
      for (const [key, value] of Object.entries(preset)) expect([name, key, ts[key]]).toEqual([name, key, value]);
    }
  });
});
