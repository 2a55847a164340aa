/**
 * The training worker: owns tfjs, the model and the training loop, so the page stays responsive. Between steps it
 * yields to its message queue; every few seconds it posts samples and completions of fixed test digits.
 *
 * @module
 */
/// <reference lib="webworker" />
import * as tf from '@tensorflow/tfjs-core';
import { decodeRunDirectory, fetchPretrained, fromPretrained, generate, paramTree, PretrainedError, type DarlModel, type DarlParams, type Pretrained } from '@darl/darl';
import { loadEmbeddedDigits, pixelRange, pixelsToTensor, readImages, readLabels, type ImageDataset } from '@darl/patch-data';
import { countParameters, isUserError, UserError } from '@darl/tensor-backend';
import { unzipSync, zipSync } from 'fflate';
import { chooseBackend } from './backend-choice.js';
import { completePatchByPatch } from './complete-patches.js';
import type { FromWorker, ModelInfo, ToWorker } from './protocol.js';
import { browserRunConfig } from './run-setup.js';
import { parameterSum, TrainingSession } from './training-session.js';

declare const self: DedicatedWorkerGlobalScope;
const post = (m: FromWorker, transfer: Transferable[] = []) => self.postMessage(m, transfer);

/** The test digits whose completions refresh during training: the first 8, digits 0…7 (the split interleaves classes). */
const SHOWCASE = [0, 1, 2, 3, 4, 5, 6, 7];
const SAMPLE_EVERY_MS = 2500;

interface Current {
  readonly model: DarlModel;
  readonly params: DarlParams;
  readonly source: string;
  readonly session?: TrainingSession;
  readonly loaded?: Pretrained;
  readonly step: number;
}

let current: Current | null = null;
let running = false;
/** Bumped by every new training loop, so that an older loop still awaiting its turn stops. */
let loopToken = 0;
let train: ImageDataset;
let test: ImageDataset;
let backend = '';
const queue: ToWorker[] = [];

/** Resolves after pending messages have been handled (a macrotask, not clamped like setTimeout). */
const channel = new MessageChannel();
const yieldToMessages = () => new Promise<void>((resolve) => ((channel.port1.onmessage = () => resolve()), channel.port2.postMessage(0)));

function info(c: Current): ModelInfo {
  const m = c.model;
  return {
    objective: m.config.objective,
    patchSize: m.config.patchSize,
    height: m.config.image.height,
    width: m.config.image.width,
    rows: Array.from(m.positions.rows),
    cols: Array.from(m.positions.cols),
    range: pixelRange(m.config.pixelScale),
    prefixPatches: topHalf(m),
    parameters: countParameters(paramTree(c.params)),
    source: c.source,
    step: c.step,
  };
}

function replace(next: Current): void {
  current?.session?.dispose();
  current?.loaded?.dispose();
  current = next;
  post({ type: 'model', info: info(next) });
}

/** Images of the model's scale from grayscale bytes [N·H·W]. */
function toInput(model: DarlModel, bytes: Uint8Array, n: number): tf.Tensor4D {
  const { height, width, channels } = model.config.image;
  return pixelsToTensor(bytes, [n, height, width, channels], { scale: model.config.pixelScale });
}

/** The prefix that completions are given: the top half of the patch rows (rounded up), in patches. */
const topHalf = (model: DarlModel) => Math.ceil(model.grid.rows / 2) * model.grid.cols;

/** The page draws and picks 28×28 grayscale digits and shows generated pixels; other runs cannot be shown here. */
function checkShowable(loaded: Pretrained, source: string): Pretrained {
  const { image, normPix } = loaded.model.config;
  const problem =
    image.height !== 28 || image.width !== 28 || image.channels !== 1
      ? `is a model of ${image.height}×${image.width}×${image.channels} images; this page draws and completes 28×28 grayscale digits. Load a run trained on mnist or another 28×28×1 dataset.`
      : normPix
        ? 'was trained with normPix targets, whose predictions cannot be turned back into pixels. Load a run trained with model.normPix false.'
        : '';
  if (!problem) return loaded;
  loaded.dispose();
  throw new PretrainedError(`${source} ${problem}`);
}

async function postSamples(c: Current): Promise<void> {
  const n = SHOWCASE.length;
  const samples = generate(c.model, c.params, { n, seed: c.step });
  const images = toInput(c.model, readImages(test, SHOWCASE), n);
  const completions = generate(c.model, c.params, { prefix: { images, patches: topHalf(c.model) }, seed: c.step });
  images.dispose();
  // Asynchronous reads: on WebGPU a synchronous one stalls the GPU (and in Chromium returns zeros).
  let s: Float32Array;
  let comp: Float32Array;
  try {
    [s, comp] = (await Promise.all([samples.data(), completions.data()])) as [Float32Array, Float32Array];
  } finally {
    samples.dispose();
    completions.dispose();
  }
  post({ type: 'samples', step: c.step, n, samples: s, completions: comp }, [s.buffer, comp.buffer]);
}

async function trainLoop(): Promise<void> {
  const token = ++loopToken;
  let lastSamples = performance.now();
  while (running && token === loopToken && current?.session) {
    const session = current.session;
    const r = await session.step();
    current = { ...current, step: r.step };
    post({ type: 'step', step: r.step, loss: r.loss, ms: r.ms, imagesPerSec: (session.run.train.batchSize * 1000) / r.ms });
    if (performance.now() - lastSamples > SAMPLE_EVERY_MS || r.step === 1) {
      await postSamples(current);
      lastSamples = performance.now();
    }
    if (r.step >= session.run.train.steps) running = false;
    await yieldToMessages();
    await drain();
  }
}

async function loadFiles(source: string, files: Readonly<Record<string, Uint8Array>>): Promise<Pretrained> {
  let all: Record<string, Uint8Array> = { ...files };
  for (const [name, bytes] of Object.entries(files)) {
    if (name.endsWith('.zip')) {
      delete all[name];
      all = { ...all, ...unzipSync(bytes) };
    }
  }
  const names = Object.keys(all);
  const config = names.find((n) => n.split('/').pop() === 'config.json');
  const weights = names.filter((n) => n.endsWith('.safetensors') && !n.endsWith('optimizer.safetensors'));
  // A run directory (its latest.json is a cache: without it, decodeRunDirectory takes the newest intact checkpoint).
  if (names.some((n) => n.endsWith('latest.json') || /(^|\/)checkpoints\/step-\d+/.test(n))) {
    const run = decodeRunDirectory(all, { source });
    return fromPretrained({ config: run.config, weights: run.weights }, { source });
  }
  if (!config || weights.length !== 1) {
    throw new PretrainedError(
      `${source}: give a run's config.json and its model.safetensors (from checkpoints/step-…/), or a zip of a run directory; got ${names.join(', ') || 'no files'}.`,
    );
  }
  return fromPretrained({ config: all[config]!, weights: all[weights[0]!]! }, { source });
}

async function handle(m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'start': {
      running = false;
      const run = browserRunConfig(m.choice);
      const session = new TrainingSession(run, train, { name: backend, userAgent: navigator.userAgent });
      replace({ model: session.model, params: session.params, source: 'trained here', session, step: 0 });
      running = true;
      void trainLoop().catch(report);
      return;
    }
    case 'pause':
      running = false;
      return;
    case 'resume':
      if (current?.session && !running) {
        running = true;
        void trainLoop().catch(report);
      }
      return;
    case 'complete': {
      if (!current) throw new UserError('Train or load a model first.');
      const images = toInput(current.model, m.image, 1);
      try {
        const gen = completePatchByPatch(current.model, current.params, { images, patches: topHalf(current.model), seed: m.seed });
        for (let r = await gen.next(); ; r = await gen.next()) {
          if (r.done) {
            r.value.dispose();
            break;
          }
          const { index, image, denoising } = r.value;
          post({ type: 'patch', index, image, ...(denoising ? { denoising } : {}), done: index === current.model.length - 1 });
        }
      } finally {
        images.dispose();
      }
      return;
    }
    case 'load':
    case 'load-url': {
      running = false;
      const source = m.type === 'load' ? m.source : m.url;
      const loaded = checkShowable(m.type === 'load' ? await loadFiles(m.source, m.files) : await fetchPretrained(m.url), source);
      replace({ model: loaded.model, params: loaded.params, source, loaded, step: 0 });
      await postSamples(current!);
      return;
    }
    case 'digit': {
      const index = m.index % test.size;
      post({ type: 'digit', index, label: readLabels(test, [index])[0]!, pixels: readImages(test, [index]) });
      return;
    }
    case 'save': {
      const session = current?.session;
      if (!session) throw new UserError('Only a model trained on this page can be saved as a run directory; train one first.');
      const name = `darl-browser-${session.run.model.objective}-step-${session.trainer.step}`;
      const files = await session.runDirectory();
      const zip = zipSync(Object.fromEntries(Object.entries(files).map(([p, b]) => [`${name}/${p}`, b])), { level: 1 });
      post({ type: 'saved', name: `${name}.zip`, zip, step: session.trainer.step, parameterSum: await parameterSum(session.params) }, [zip.buffer]);
      return;
    }
  }
}

function report(err: unknown): void {
  running = false;
  const message = err instanceof Error ? err.message : String(err);
  post({ type: 'error', message: isUserError(err) ? message : `${message} (a bug: please report it)` });
}

let draining = false;
async function drain(): Promise<void> {
  if (draining) return;
  draining = true;
  try {
    while (queue.length) {
      try {
        await handle(queue.shift()!);
      } catch (err) {
        report(err);
      }
    }
  } finally {
    draining = false;
  }
}

let started: Promise<void> | null = null;

async function start(init: Extract<ToWorker, { type: 'init' }>): Promise<void> {
  const chosen = await chooseBackend(init.backend, init.threads);
  backend = chosen.name;
  [train, test] = await Promise.all([loadEmbeddedDigits({ split: 'train' }), loadEmbeddedDigits({ split: 'test' })]);
  post({ type: 'ready', backend: chosen.name, detail: chosen.detail });
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  if (e.data.type === 'init') started = start(e.data);
  else queue.push(e.data);
  void started?.then(drain, report);
};
