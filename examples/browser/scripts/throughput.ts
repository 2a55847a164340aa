// Training throughput of the page's model — browserRunConfig(DEFAULT_CHOICE) unless told otherwise: darl's tiny
// backbone, patch 7, batch 32, MSE — in Chromium (the page's worker on wasm, one thread and two) and in Node (wasm
// and native), measured by the same TrainingSession code, on this machine, in the same minutes. Each setting runs
// `--rounds` times, interleaved; prints ms/step and images/s (mean over the timed steps after warm-up) and the
// load average.
//
//   pnpm --filter @darl/example-browser throughput [--steps 40] [--warmup 10] [--rounds 2] [--objective mse|diffusion]
//                                                  [--patch 7|4] [--batch 32]
import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { loadEmbeddedDigits } from '@darl/patch-data';
import { useBackend, type BackendName } from '@darl/tensor-backend';
import { launchOptions } from '../../../scripts/chromium.mjs';
import { browserRunConfig, DEFAULT_CHOICE, type RunChoice } from '../src/run-setup.js';
import { TrainingSession } from '../src/training-session.js';
import { startServer } from '../test/vite-server.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : fallback;
};
const steps = Number(opt('steps', '40'));
const warmup = Number(opt('warmup', '10'));
const rounds = Number(opt('rounds', '2'));
const choice: RunChoice = {
  ...DEFAULT_CHOICE,
  objective: opt('objective', DEFAULT_CHOICE.objective) as RunChoice['objective'],
  patchSize: Number(opt('patch', String(DEFAULT_CHOICE.patchSize))) as RunChoice['patchSize'],
  batchSize: Number(opt('batch', String(DEFAULT_CHOICE.batchSize))),
};
const mean = (a: readonly number[]) => a.reduce((s, v) => s + v, 0) / a.length;

/** In this process: `--node-backend NAME` trains and prints the timed steps' ms as JSON. */
async function nodeSteps(backend: BackendName): Promise<number[]> {
  const info = await useBackend(backend);
  const session = new TrainingSession(browserRunConfig(choice), await loadEmbeddedDigits({ split: 'train' }), { name: info.name });
  const ms: number[] = [];
  for (let i = 0; i < warmup + steps; i++) ms.push((await session.step()).ms);
  session.dispose();
  return ms.slice(warmup);
}

async function browserSteps(page: Page, origin: string, threads: number): Promise<{ ms: number[]; detail: string }> {
  await page.goto(`${origin}/?backend=wasm&threads=${threads}`);
  await page.waitForFunction('window.darlPage?.backend !== ""', null, { timeout: 90_000 });
  await page.selectOption('#objective', choice.objective);
  await page.selectOption('#patch', String(choice.patchSize));
  await page.selectOption('#batch', String(choice.batchSize));
  await page.click('#start');
  await page.waitForFunction(`window.darlPage.losses.length >= ${warmup + steps}`, null, { timeout: 300_000, polling: 200 });
  await page.click('#pause');
  const s = await page.evaluate(() => (window as unknown as { darlPage: { backend: string; losses: { ms: number }[] } }).darlPage);
  return { ms: s.losses.slice(warmup, warmup + steps).map((l) => l.ms), detail: s.backend };
}

if (args.includes('--node-backend')) {
  console.log(JSON.stringify(await nodeSteps(opt('node-backend', 'wasm') as BackendName)));
  process.exit(0);
}

const self = fileURLToPath(import.meta.url);
const runNode = async (backend: BackendName) => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=@darl/source', '--import', 'tsx', self, ...args, '--node-backend', backend]);
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as number[];
};

const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`model: tiny backbone, patch ${choice.patchSize}, batch ${choice.batchSize}, ${choice.objective}; ${steps} timed steps after ${warmup}; load average ${load()}`);
const { origin, server } = await startServer();
const browser = await chromium.launch(launchOptions());
const results = new Map<string, number[]>();
const add = (name: string, ms: number[]) => results.set(name, [...(results.get(name) ?? []), ...ms]);
try {
  const page = await browser.newPage();
  for (let r = 0; r < rounds; r++) {
    for (const threads of [1, 2]) {
      const { ms, detail } = await browserSteps(page, origin, threads);
      add(`Chromium ${browser.version()}: ${detail}`, ms);
    }
    for (const backend of ['wasm', 'native'] as const) add(`Node ${process.version}, ${backend}`, await runNode(backend));
    console.log(`round ${r + 1} done; load average ${load()}`);
  }
} finally {
  await browser.close();
  if (server.pid) process.kill(server.pid);
}
console.log('| setting | ms / step | images / s |\n|---|---:|---:|');
for (const [name, ms] of results) console.log(`| ${name} | ${mean(ms).toFixed(1)} | ${((choice.batchSize * 1000) / mean(ms)).toFixed(0)} |`);
console.log(`load average at the end ${load()}`);
