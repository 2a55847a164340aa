import * as tf from '@tensorflow/tfjs-core';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodeSafetensors, flattenTree, isUserError, Rng } from '@darl/tensor-backend';
import { describeBackends, expectNoLeak } from '@darl/tensor-backend/testing';
import { runConfigSchema } from '../config/schema.js';
import { buildDarl, initDarlParams, paramTree } from './darl-model.js';
import { pooledFeatures } from './features.js';
import { fetchPretrained, fromPretrained, PretrainedError } from './from-pretrained.js';
import { WeightsMismatchError } from './assign-params.js';
import { generate } from './generate.js';

const run = runConfigSchema.parse({
  model: { image: { height: 8, width: 8, channels: 1 }, patchSize: 2, backbone: { preset: 'tiny', width: 16, depth: 2, heads: 2 } },
});

/** A "trained" model: params from seed 7 (fromPretrained starts from seed 0, so equal outputs prove the load). */
async function trainedBytes(opts: { ema?: boolean } = {}) {
  const model = buildDarl(run.model);
  const params = initDarlParams(model, { seed: 7 });
  const tensors: Record<string, tf.Tensor> = Object.fromEntries(flattenTree(paramTree(params)));
  const ema = opts.ema ? Object.fromEntries(Object.entries(tensors).map(([k, t]) => [`ema/${k}`, tf.mul(t, 0.5)])) : {};
  const weights = await encodeSafetensors({ ...tensors, ...ema });
  const config = new TextEncoder().encode(JSON.stringify(run));
  return { model, params, weights, config, ema, dispose: () => [...Object.values(tensors), ...Object.values(ema)].forEach((t) => t.dispose()) };
}

describeBackends('fromPretrained', () => {
  it('loads bytes into a model whose generate and pooledFeatures match the original', async () => {
    const src = await trainedBytes();
    const loaded = fromPretrained({ config: src.config, weights: src.weights });
    expect(loaded.ema).toBe(false);
    const x = new Rng(1).uniform([2, 8, 8, 1], -1, 1) as tf.Tensor4D;
    const a = pooledFeatures(src.model, src.params, x, { layer: 2, pool: 'mean' });
    const b = pooledFeatures(loaded.model, loaded.params, x, { layer: 2, pool: 'mean' });
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    const g1 = generate(src.model, src.params, { n: 1, seed: 3 });
    const g2 = generate(loaded.model, loaded.params, { n: 1, seed: 3 });
    expect(Array.from(g2.dataSync())).toEqual(Array.from(g1.dataSync()));
    // And differs from an unloaded model (seed 0), so the equality above is the load's doing.
    const fresh = initDarlParams(loaded.model, { seed: 0 });
    expect(Array.from(pooledFeatures(loaded.model, fresh, x, { layer: 2, pool: 'mean' }).dataSync())).not.toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b, g1, g2]);
    for (const [, v] of flattenTree(paramTree(fresh))) v.dispose();
    loaded.dispose();
    src.dispose();
  });

  it('uses the EMA weights when present (auto) and refuses ema: true without them', async () => {
    const src = await trainedBytes({ ema: true });
    const loaded = fromPretrained({ config: new TextDecoder().decode(src.config), weights: src.weights });
    expect(loaded.ema).toBe(true);
    const [path, first] = flattenTree(paramTree(loaded.params))[0]!;
    expect(Array.from(first.dataSync())).toEqual(Array.from(src.ema[`ema/${path}`]!.dataSync()));
    loaded.dispose();
    const plain = await trainedBytes();
    expect(() => fromPretrained({ config: run, weights: plain.weights }, { ema: true, source: 'runs/x' })).toThrow(/runs\/x\/model\.safetensors has no EMA weights/);
    src.dispose();
    plain.dispose();
  });

  it('names the problem when weights belong to another model, without leaking', async () => {
    const src = await trainedBytes();
    const other = { ...run, model: { ...run.model, backbone: { ...run.model.backbone, width: 32 } } };
    await expectNoLeak(() => {
      const err = (() => {
        try {
          fromPretrained({ config: other, weights: src.weights }, { source: 'hub/run' });
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(WeightsMismatchError);
      expect(isUserError(err)).toBe(true);
      expect((err as Error).message).toMatch(/hub\/run\/model\.safetensors does not match .*has shape \[.*\] but the model needs/);
    });
    expect(() => fromPretrained({ config: '{ not json', weights: src.weights })).toThrow(PretrainedError);
    src.dispose();
  });
});

describeBackends('fetchPretrained', () => {
  let server: Server;
  let base: string;
  const files = new Map<string, Uint8Array>();
  beforeAll(async () => {
    server = createServer((req, res) => {
      const body = files.get(req.url ?? '');
      res.writeHead(body ? 200 : 404).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('fetches config.json and model.safetensors from a folder URL', async () => {
    const src = await trainedBytes();
    files.set('/runs/a/config.json', src.config).set('/runs/a/model.safetensors', src.weights);
    const loaded = await fetchPretrained(`${base}/runs/a`);
    const [path, first] = flattenTree(paramTree(loaded.params))[0]!;
    const want = flattenTree(paramTree(src.params)).find(([p]) => p === path)![1];
    expect(Array.from(first.dataSync())).toEqual(Array.from(want.dataSync()));
    loaded.dispose();
    src.dispose();
  });

  it('names the URL and status of a missing file', async () => {
    const err = await fetchPretrained(`${base}/runs/missing/`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PretrainedError);
    expect((err as Error).message).toMatch(/runs\/missing\/(config\.json|model\.safetensors) answered 404/);
  });
});
