/**
 * `darl presets`: the run presets (`--preset`) with their descriptions, and the backbone presets
 * (`model.backbone.preset`) with their sizes and parameter counts.
 *
 * @module
 */
import { countTransformerParameters, TRANSFORMER_PRESETS } from '@darl/transformer';
import { RUN_PRESETS, RUN_PRESET_DESCRIPTIONS, type RunPresetName } from '../../config/presets.js';
import type { CliIO } from './cli-io.js';

export async function runPresetsCommand(opts: { json?: boolean }, io: CliIO): Promise<void> {
  const runs = (Object.keys(RUN_PRESETS) as RunPresetName[]).map((name) => ({ name, description: RUN_PRESET_DESCRIPTIONS[name], config: RUN_PRESETS[name] }));
  const backbones = Object.entries(TRANSFORMER_PRESETS).map(([name, c]) => ({
    name,
    width: c.width,
    depth: c.depth,
    heads: c.heads,
    mlpRatio: c.mlpRatio,
    parameters: countTransformerParameters(c),
  }));
  if (opts.json) {
    io.stdout(`${JSON.stringify({ command: 'presets', runs, backbones })}\n`);
    return;
  }
  const pad = Math.max(...runs.map((r) => r.name.length));
  const lines = [
    'run presets (darl pretrain --preset NAME):',
    ...runs.map((r) => `  ${r.name.padEnd(pad)}  ${r.description}`),
    '',
    'backbone presets (--set model.backbone.preset=NAME):',
    ...backbones.map(
      (b) => `  ${b.name.padEnd(6)}  width ${String(b.width).padStart(4)}  depth ${String(b.depth).padStart(2)}  heads ${String(b.heads).padStart(2)}  mlp ×${b.mlpRatio}  ${(b.parameters / 1e6).toFixed(2)} M parameters`,
    ),
  ];
  io.stdout(`${lines.join('\n')}\n`);
}
