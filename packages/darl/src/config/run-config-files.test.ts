import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { transformerConfig } from '@darl/transformer';
import { buildDarl } from '../model/darl-model.js';
import { readRunConfig, writeRunConfig } from '../node/run-dir/checkpoint.js';
import { runConfigSchema } from './schema.js';
import { parseConfig } from './validate.js';

const SCHEMA_FILE = new URL('../../run-config.schema.json', import.meta.url);

/** The JSON Schema of a run config file (editor completion), generated from the zod schema. */
function jsonSchema(): string {
  const schema = z.toJSONSchema(runConfigSchema, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'darl run config ({"model": …, "train": …})' }, null, 2)}\n`;
}

describe('config.json', () => {
  const run = parseConfig(
    runConfigSchema,
    { model: { backbone: { preset: 'tiny', depth: 3 }, patchSize: 7, patchOrder: { kind: 'random', seed: 5 } }, train: { steps: 2 } },
    'test',
  );

  it('holds the fully resolved model, which a Python reader sees without darl (python3)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'darl-config-'));
    await writeRunConfig(dir, run);
    const script = [
      'import json, sys',
      'c = json.load(open(sys.argv[1]))["model"]',
      'b = c["backbone"]',
      'print(json.dumps({"width": b["width"], "depth": b["depth"], "heads": b["heads"], "mlp": int(b["width"] * b["mlpRatio"]),',
      '  "eps": b["layerNormEps"], "ropeBase": b["ropeBase"], "position": c["position"], "patch": c["patchSize"],',
      '  "image": [c["image"]["height"], c["image"]["width"], c["image"]["channels"]], "scale": c["pixelScale"],',
      '  "order": c["patchOrder"]["permutation"]}))',
    ].join('\n');
    const seen = JSON.parse(execFileSync('python3', ['-c', script, join(dir, 'config.json')], { encoding: 'utf8' })) as Record<string, unknown>;
    const t = transformerConfig({ preset: 'tiny', depth: 3 });
    const model = buildDarl(run.model);
    expect(seen).toEqual({
      width: t.width,
      depth: 3,
      heads: t.heads,
      mlp: t.width * t.mlpRatio,
      eps: t.layerNormEps,
      ropeBase: t.ropeBase,
      position: 'rope2d',
      patch: 7,
      image: [28, 28, 1],
      scale: 'minus-one-one',
      order: Array.from(model.order.permutation),
    });
    // The random order is not the raster one, and reading the file back gives the same model.
    expect(seen.order).not.toEqual([...Array(16).keys()]);
    const back = buildDarl((await readRunConfig(dir)).model);
    expect(Array.from(back.order.permutation)).toEqual(seen.order);
    expect(back.backbone.width).toBe(model.backbone.width);
  });

  it('a run directory of the old format ({"preset": "tiny"} only) still loads, with the same sizes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'darl-config-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ model: { backbone: { preset: 'tiny' }, patchSize: 7 }, train: {} }));
    const model = buildDarl((await readRunConfig(dir)).model);
    expect(model.backbone.width).toBe(transformerConfig({ preset: 'tiny' }).width);
    expect(model.backbone.depth).toBe(transformerConfig({ preset: 'tiny' }).depth);
  });

  it('run-config.schema.json is the current JSON Schema of the run config (UPDATE_SCHEMA=1 regenerates it)', () => {
    if (process.env.UPDATE_SCHEMA === '1') writeFileSync(SCHEMA_FILE, jsonSchema());
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(jsonSchema());
  });
});
