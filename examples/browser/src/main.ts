/**
 * The page: controls, the live loss chart, samples and completions, the drawing pad with its patch-by-patch
 * completion, loading and saving runs. All tensor work happens in `worker.ts`; `window.darlPage` exposes what the
 * page shows, for its end-to-end test.
 *
 * @module
 */
import { drawImage, markPatches, canvasRow } from './image-canvas.js';
import { DrawPad } from './draw-pad.js';
import { LossChart } from './loss-chart.js';
import type { BackendRequest } from './backend-choice.js';
import type { FromWorker, ModelInfo, ToWorker } from './protocol.js';
import type { RunChoice } from './run-setup.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** What the page shows, read by the end-to-end test. */
interface PageState {
  backend: string;
  model: ModelInfo | null;
  losses: { step: number; loss: number; ms: number }[];
  samplesAt: number[];
  completion: { known: number; done: boolean; denoisingSteps: number; frames: number };
  saved: { name: string; step: number; parameterSum: number } | null;
  /** Index of the test digit on the pad (−1 after drawing on it). */
  padDigit: number;
  errors: string[];
}
const state: PageState = { backend: '', model: null, losses: [], samplesAt: [], completion: { known: 0, done: false, denoisingSteps: 0, frames: 0 }, saved: null, padDigit: -1, errors: [] };
(window as unknown as { darlPage: PageState }).darlPage = state;

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (m: ToWorker, transfer: Transferable[] = []) => worker.postMessage(m, transfer);
const chart = new LossChart($('loss-chart'));
const pad = new DrawPad($('pad'));
let paused = false;
let lastStep = { step: 0, loss: NaN, ms: NaN, imagesPerSec: NaN };
let digitCounter = 0;

function setStatus(): void {
  const m = state.model;
  const parts = [state.backend ? `backend: ${state.backend}` : 'starting…'];
  if (m) parts.push(`${m.objective}, patch ${m.patchSize}, ${m.parameters.toLocaleString()} parameters (${m.source})`);
  if (lastStep.step) parts.push(`step ${lastStep.step}`, `loss ${lastStep.loss.toFixed(4)}`, `${lastStep.imagesPerSec.toFixed(0)} images/s`, `${lastStep.ms.toFixed(0)} ms/step`);
  if (paused) parts.push('paused');
  $('status').textContent = parts.join(' · ');
}

function showError(message: string): void {
  state.errors.push(message);
  $('message').textContent = message;
}

const sizeOf = (m: ModelInfo) => ({ height: m.height, width: m.width });
/** Patch-by-patch frames are shown at most this often, so that the user can watch them. */
const FRAME_MS = 45;
let frames: Extract<FromWorker, { type: 'patch' }>[] = [];
let playing = false;

function playFrames(): void {
  if (playing) return;
  playing = true;
  const tick = () => {
    const f = frames.shift();
    const m = state.model;
    if (!f || !m) {
      playing = false;
      return;
    }
    const canvas = $<HTMLCanvasElement>('completion');
    drawImage(canvas, f.image, 0, sizeOf(m), m.range);
    markPatches(canvas, { ...m }, f.index + 1, f.done ? -1 : f.index);
    if (f.denoising) {
      const row = canvasRow($('denoising'), f.denoising.length, 56);
      f.denoising.forEach((x, i) => drawImage(row[i]!, x, 0, { height: m.patchSize, width: m.patchSize }, m.range));
    }
    state.completion = { known: f.index + 1, done: f.done, denoisingSteps: f.denoising?.length ?? 0, frames: state.completion.frames + 1 };
    $('completion-status').textContent = f.done ? 'done' : `patch ${f.index + 1} of ${m.rows.length}`;
    setTimeout(tick, FRAME_MS);
  };
  tick();
}

worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  switch (m.type) {
    case 'ready':
      state.backend = m.detail;
      for (const id of ['start', 'pause', 'save', 'complete']) $<HTMLButtonElement>(id).disabled = id !== 'start';
      setStatus();
      send({ type: 'digit', index: digitCounter++ });
      return;
    case 'model':
      state.model = m.info;
      state.losses = [];
      lastStep = { step: 0, loss: NaN, ms: NaN, imagesPerSec: NaN };
      chart.clear();
      pad.givenRows = (m.info.prefixPatches / (m.info.width / m.info.patchSize)) * m.info.patchSize;
      pad.render();
      $<HTMLButtonElement>('complete').disabled = false;
      $<HTMLButtonElement>('pause').disabled = m.info.source !== 'trained here';
      $<HTMLButtonElement>('save').disabled = m.info.source !== 'trained here';
      setStatus();
      return;
    case 'step':
      lastStep = m;
      state.losses.push({ step: m.step, loss: m.loss, ms: m.ms });
      chart.add(m.step, m.loss);
      setStatus();
      return;
    case 'samples': {
      const info = state.model!;
      const samples = canvasRow($('samples'), m.n, 84);
      const completions = canvasRow($('completions'), m.n, 84);
      for (let i = 0; i < m.n; i++) {
        drawImage(samples[i]!, m.samples, i, sizeOf(info), info.range);
        drawImage(completions[i]!, m.completions, i, sizeOf(info), info.range);
        const ctx = completions[i]!.getContext('2d')!;
        const y = (84 * pad.givenRows) / info.height;
        ctx.strokeStyle = '#f5a623';
        ctx.beginPath();
        ctx.moveTo(0, y);
        ctx.lineTo(84, y);
        ctx.stroke();
      }
      state.samplesAt.push(m.step);
      $('samples-step').textContent = m.step ? `(step ${m.step})` : '(loaded model)';
      return;
    }
    case 'patch':
      frames.push(m);
      playFrames();
      return;
    case 'digit':
      pad.set(m.pixels);
      state.padDigit = m.index;
      return;
    case 'saved': {
      state.saved = { name: m.name, step: m.step, parameterSum: m.parameterSum };
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([m.zip as Uint8Array<ArrayBuffer>], { type: 'application/zip' }));
      a.download = m.name;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
      return;
    }
    case 'error':
      showError(m.message);
      return;
  }
};
worker.onerror = (e) => showError(`The worker failed: ${e.message}`);

function choice(): RunChoice {
  return {
    objective: $<HTMLSelectElement>('objective').value as RunChoice['objective'],
    patchSize: Number($<HTMLSelectElement>('patch').value) as RunChoice['patchSize'],
    batchSize: Number($<HTMLSelectElement>('batch').value),
    seed: 0,
  };
}

$('start').onclick = () => {
  $('message').textContent = '';
  paused = false;
  $('pause').textContent = 'Pause';
  send({ type: 'start', choice: choice() });
};
$('pause').onclick = () => {
  paused = !paused;
  $('pause').textContent = paused ? 'Resume' : 'Pause';
  send({ type: paused ? 'pause' : 'resume' });
  setStatus();
};
$('save').onclick = () => send({ type: 'save' });
$('pick').onclick = () => send({ type: 'digit', index: digitCounter++ });
$('clear').onclick = () => pad.clear();
$('pad').addEventListener('pointerdown', () => (state.padDigit = -1));
$('complete').onclick = () => {
  if (!state.model) return;
  frames = [];
  state.completion = { known: 0, done: false, denoisingSteps: 0, frames: 0 };
  send({ type: 'complete', image: pad.pixels.slice(), seed: digitCounter });
};

async function loadFiles(list: FileList | File[]): Promise<void> {
  const files: Record<string, Uint8Array> = {};
  for (const f of Array.from(list)) files[f.name] = new Uint8Array(await f.arrayBuffer());
  $('message').textContent = '';
  send({ type: 'load', source: Object.keys(files).join(' + '), files });
}
$<HTMLInputElement>('files').onchange = (e) => void loadFiles((e.target as HTMLInputElement).files ?? []);
const drop = $('drop');
drop.ondragover = (e) => (e.preventDefault(), drop.classList.add('over'));
drop.ondragleave = () => drop.classList.remove('over');
drop.ondrop = (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  if (e.dataTransfer) void loadFiles(e.dataTransfer.files);
};
$('load-url').onclick = () => {
  $('message').textContent = '';
  send({ type: 'load-url', url: new URL($<HTMLInputElement>('url').value, location.href).href });
};

// ?backend=wasm|webgpu|auto, ?threads=N (the wasm backend's threads).
const query = new URLSearchParams(location.search);
const threads = query.get('threads');
send({ type: 'init', backend: (query.get('backend') ?? 'auto') as BackendRequest, ...(threads ? { threads: Number(threads) } : {}) });
setStatus();
