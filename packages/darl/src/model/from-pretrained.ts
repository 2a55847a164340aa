/**
 * Loading a trained model from bytes — a run's `config.json` and `model.safetensors` — anywhere tfjs runs,
 * browsers included: {@link fromPretrained} takes the bytes, {@link fetchPretrained} fetches them from a URL.
 * Node's `loadRun` (in `@darl/darl/node`) reads a run directory and calls {@link fromPretrained}.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { decodeSafetensors, disposeTree, toTfTensor, UserError } from '@darl/tensor-backend';
import type { RunConfig, RunConfigInput } from '../config/schema.js';
import { RUN_FILES } from '../run-dir/names.js';
import { parseConfigFile } from '../run-dir/config-file.js';
import { assignParams } from './assign-params.js';
import { buildDarl, initDarlParams, paramTree, type BuildDarlOptions, type DarlModel, type DarlParams } from './darl-model.js';

/** Raised when pretrained weights cannot be used: no EMA weights where asked for, or a fetch that failed. */
export class PretrainedError extends UserError {
  override readonly name = 'PretrainedError';
}

/** What {@link fromPretrained} loads. */
export interface PretrainedSource {
  /** The run's `config.json`: its bytes, its text, or the parsed object. */
  readonly config: Uint8Array | string | RunConfigInput;
  /** The run's `model.safetensors` bytes, or tensors already decoded by path (left to the caller). */
  readonly weights: Uint8Array | ArrayBuffer | Readonly<Record<string, tf.Tensor>>;
}

/** Options of {@link fromPretrained} and {@link fetchPretrained}. */
export interface PretrainedOptions {
  /** Use the EMA weights: `'auto'` (default) when the file has them, `true` requires them, `false` never. */
  readonly ema?: boolean | 'auto';
  /** The custom parts a run was trained with (`pretrain({ parts })`); the default transformer and heads otherwise. */
  readonly parts?: BuildDarlOptions<unknown, unknown>;
  /** Where the run comes from (its folder or URL), for error messages: they name `<source>/config.json` etc. */
  readonly source?: string;
}

/** A loaded model: pass `model` and `params` to `generate`, `pooledFeatures` or `darlFeatureExtractor`. */
export interface Pretrained {
  /** The run's validated config (model and training). */
  readonly run: RunConfig;
  /** The model built from `run.model`. */
  readonly model: DarlModel;
  /** Its parameters, loaded from the weights. */
  readonly params: DarlParams;
  /** Whether `params` hold the EMA weights. */
  readonly ema: boolean;
  /** Disposes the parameters. */
  dispose(): void;
}

function parseRunConfig(config: PretrainedSource['config'], source: string): RunConfig {
  let json: unknown = config;
  if (typeof config === 'string' || config instanceof Uint8Array) {
    const text = typeof config === 'string' ? config : new TextDecoder().decode(config);
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new PretrainedError(`${source} is not valid JSON (${(err as Error).message}). Pass the run's ${RUN_FILES.config}.`);
    }
  }
  return parseConfigFile(json, source);
}

function decodeWeights(weights: Uint8Array | ArrayBuffer, source: string): Record<string, tf.Tensor> {
  const { tensors } = decodeSafetensors(weights instanceof Uint8Array ? weights : new Uint8Array(weights), { source });
  const out: Record<string, tf.Tensor> = {};
  try {
    for (const [name, entry] of Object.entries(tensors)) out[name] = toTfTensor(entry, `${source}: ${name}`);
  } catch (err) {
    for (const t of Object.values(out)) t.dispose();
    throw err;
  }
  return out;
}

/**
 * Builds the model a run's config describes and loads its weights. Synchronous and I/O-free: give it bytes from
 * anywhere (`fetch`, a file input, `fs.readFile`). Throws a `UserError` naming the file when the config is invalid or
 * the weights do not belong to it.
 *
 * @example
 * const { model, params, dispose } = fromPretrained({ config: configBytes, weights: safetensorsBytes });
 * const images = generate(model, params, { n: 4, seed: 0 });   // float32 [4, H, W, C]
 */
export function fromPretrained(src: PretrainedSource, opts: PretrainedOptions = {}): Pretrained {
  const where = (file: string) => (opts.source ? `${opts.source.replace(/\/$/, '')}/${file}` : file);
  const source = where(RUN_FILES.model);
  const run = parseRunConfig(src.config, where(RUN_FILES.config));
  const decoded = src.weights instanceof Uint8Array || src.weights instanceof ArrayBuffer;
  const tensors = decoded ? decodeWeights(src.weights as Uint8Array | ArrayBuffer, source) : (src.weights as Record<string, tf.Tensor>);
  try {
    const model = buildDarl(run.model, opts.parts ?? {});
    const params = initDarlParams(model, { seed: 0 });
    const hasEma = Object.keys(tensors).some((k) => k.startsWith('ema/'));
    const useEma = opts.ema === 'auto' || opts.ema === undefined ? hasEma : opts.ema;
    try {
      if (useEma && !hasEma) throw new PretrainedError(`${source} has no EMA weights (train.ema was 0). Drop --ema (or pass ema: false).`);
      assignParams(paramTree(params), tensors, source, useEma ? 'ema/' : '');
    } catch (err) {
      disposeTree(paramTree(params));
      throw err;
    }
    return { run, model, params, ema: useEma, dispose: () => disposeTree(paramTree(params)) };
  } finally {
    if (decoded) for (const t of Object.values(tensors)) t.dispose();
  }
}

/** Options of {@link fetchPretrained}. */
export interface FetchPretrainedOptions extends Omit<PretrainedOptions, 'source'> {
  /** The `fetch` to use (default `globalThis.fetch`), e.g. one that adds credentials. */
  readonly fetch?: (url: string) => Promise<{
    /** Whether the status is 2xx. */
    ok: boolean;
    /** The HTTP status. */
    status: number;
    /** The HTTP status text. */
    statusText: string;
    /** The body's bytes. */
    arrayBuffer(): Promise<ArrayBuffer>;
  }>;
}

/**
 * Fetches a run published as a folder — `config.json` and `model.safetensors` under one URL (a run directory served
 * over HTTP, a CDN or model-hub folder) — and loads it with {@link fromPretrained}. Relative URLs resolve against
 * the page's location.
 *
 * @example
 * const { model, params } = await fetchPretrained('https://example.org/runs/digits/');
 */
export async function fetchPretrained(url: string | URL, opts: FetchPretrainedOptions = {}): Promise<Pretrained> {
  const page = (globalThis as { location?: { href?: string } }).location?.href;
  const text = String(url);
  let base: URL;
  try {
    base = new URL(text.endsWith('/') ? text : `${text}/`, page);
  } catch {
    throw new PretrainedError(`fetchPretrained: "${text}" is not a URL; give the absolute URL of the folder holding ${RUN_FILES.config} and ${RUN_FILES.model}.`);
  }
  const fetchFn = opts.fetch ?? (globalThis.fetch as unknown as NonNullable<FetchPretrainedOptions['fetch']>);
  const get = async (name: string): Promise<Uint8Array> => {
    const file = new URL(name, base).href;
    let res: Awaited<ReturnType<NonNullable<FetchPretrainedOptions['fetch']>>>;
    try {
      res = await fetchFn(file);
    } catch (err) {
      throw new PretrainedError(`fetchPretrained: fetching ${file} failed (${(err as Error).message}). Check the URL and that the server allows the request.`);
    }
    if (!res.ok) throw new PretrainedError(`fetchPretrained: ${file} answered ${res.status} ${res.statusText}. The folder must hold ${RUN_FILES.config} and ${RUN_FILES.model}.`);
    return new Uint8Array(await res.arrayBuffer());
  };
  const [config, weights] = await Promise.all([get(RUN_FILES.config), get(RUN_FILES.model)]);
  const { fetch: _fetch, ...rest } = opts;
  return fromPretrained({ config, weights }, { ...rest, source: base.href });
}
