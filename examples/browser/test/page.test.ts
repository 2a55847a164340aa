// The page end to end: starts the README's dev server (`vite`) on localhost, opens it in Debian's Chromium (through
// playwright-core, see scripts/chromium.mjs) and uses it as a person would: trains for a few seconds (the loss must
// fall, samples and completions must draw), completes a picked digit patch by patch, trains the diffusion objective
// and watches its denoising steps, saves the run directory and opens it with Node's loadRun, and loads a run that
// the Node CLI trained — from dropped files and from a URL; then, in a second Chromium with WebGPU enabled
// (SwiftShader), trains a few steps on the webgpu backend. Any console error, page error, failed request or request
// to anywhere but the dev server fails the test. Every run screenshots the page after
// training and completing a digit; DARL_UPDATE_SCREENSHOT=1 saves it as the root README's docs/images/browser-page.png.
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_WEBGPU_ARGS, haveChromium, launchOptions, NO_CHROMIUM } from '../../../scripts/chromium.mjs';
import { startServer, vite } from './vite-server.js';

const here = dirname(fileURLToPath(import.meta.url));
const app = join(here, '..');
const repo = join(app, '../..');
const run = promisify(execFile);

interface PageState {
  backend: string;
  padDigit: number;
  model: { objective: string; parameters: number; source: string; rows: number[] } | null;
  losses: { step: number; loss: number }[];
  samplesAt: number[];
  completion: { known: number; done: boolean; denoisingSteps: number; frames: number };
  saved: { name: string; step: number; parameterSum: number } | null;
  errors: string[];
}
const pageState = (page: Page) => page.evaluate(() => (window as unknown as { darlPage: PageState }).darlPage);
const waitFor = (page: Page, what: string, timeout = 60_000) =>
  page.waitForFunction(`(() => { const s = window.darlPage; return ${what}; })()`, null, { timeout, polling: 100 });

/** Per canvas under `selector`: how many distinct gray levels it shows (1 = blank). */
const grayLevels = (page: Page, selector: string) =>
  page.$$eval(selector, (canvases) =>
    canvases.map((c) => {
      const { data } = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height);
      const levels = new Set<number>();
      for (let i = 0; i < data.length; i += 4) levels.add(data[i]!);
      return levels.size;
    }),
  );

describe.runIf(haveChromium || process.env.CI)('the browser example in Chromium', () => {
  let root: string;
  let nodeRun: string;
  let nodeCheckpoint: string;
  let server: ChildProcess | undefined;
  let origin: string;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  let firstLosses: number[] = [];

  /** Records every console error, page error, failed request and request to anywhere but `origin`. */
  function watch(p: Page, origin: string): void {
    p.on('console', (m) => m.type() === 'error' && problems.push(`console error: ${m.text()}`));
    p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    p.on('requestfailed', (r) => problems.push(`failed request: ${r.url()} (${r.failure()?.errorText})`));
    p.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
    p.on('request', (r) => {
      const url = r.url();
      if (!url.startsWith(origin) && !url.startsWith('ws://127.0.0.1') && !/^(data|blob):/.test(url)) problems.push(`outside request: ${url}`);
    });
  }

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${NO_CHROMIUM} CI is set, so the browser example's test must run.`);
    root = await mkdtemp(join(tmpdir(), 'darl-browser-page-'));
    nodeRun = join(root, 'node-run');
    // A tiny run trained by the Node CLI, and the dev server, in parallel.
    const cli = run(
      process.execPath,
      ['--conditions=@darl/source', '--import', 'tsx', join(repo, 'packages/darl/src/cli.ts'), 'pretrain', '--preset', 'tiny', '--set', 'train.steps=3', '--set', 'train.evalImages=0', '--no-report', '--backend', 'wasm', '--out', nodeRun],
      { cwd: repo },
    );
    const started = startServer();
    await cli;
    ({ origin, server } = await started);
    const [step] = await readdir(join(nodeRun, 'checkpoints'));
    nodeCheckpoint = join(nodeRun, 'checkpoints', step!);
    browser = await chromium.launch(launchOptions());
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1200, height: 1100 } });
    page = await context.newPage();
    watch(page, origin);
    await page.goto(origin);
    await waitFor(page, 's.backend !== ""', 90_000);
  });

  afterAll(async () => {
    await browser?.close();
    if (server?.pid) process.kill(server.pid);
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('runs on wasm (no WebGPU adapter here) with its .wasm files from the dev server', async () => {
    expect((await pageState(page)).backend).toMatch(/^wasm \(SIMD/);
  });

  it('trains in the worker for a few seconds: the loss falls, samples and completions draw', async () => {
    await page.click('#start');
    await waitFor(page, 's.losses.length >= 40 && s.samplesAt.length >= 2');
    const { losses, samplesAt } = await pageState(page);
    firstLosses = losses.slice(0, 5).map((l) => l.loss);
    const mean = (a: { loss: number }[]) => a.reduce((s, v) => s + v.loss, 0) / a.length;
    expect(mean(losses.slice(-10))).toBeLessThan(0.6 * mean(losses.slice(0, 5)));
    expect(samplesAt.at(-1)).toBeGreaterThan(1); // refreshed during training
    expect(await page.textContent('#status')).toMatch(/images\/s · \d+ ms\/step/);
    for (const levels of [...(await grayLevels(page, '#samples canvas')), ...(await grayLevels(page, '#completions canvas'))]) expect(levels).toBeGreaterThan(8);
    expect(await grayLevels(page, '#loss-chart')).toEqual([expect.any(Number)]);
    expect((await grayLevels(page, '#loss-chart'))[0]).toBeGreaterThan(2);
  });

  it('completes a picked test digit patch by patch', async () => {
    await waitFor(page, 's.padDigit >= 0'); // the digit the page put on the pad at start
    const shown = (await pageState(page)).padDigit;
    await page.click('#pick');
    await waitFor(page, `s.padDigit === ${shown + 1}`);
    await page.click('#complete');
    await waitFor(page, 's.completion.done');
    const { completion, model } = await pageState(page);
    const L = model!.rows.length;
    expect(completion.known).toBe(L);
    expect(completion.frames).toBe(L / 2); // the top half is given, the bottom half came one patch per frame
    expect((await grayLevels(page, '#completion'))[0]).toBeGreaterThan(8);
    // The root README's picture of the page: taken on every run (it must fit the README's 300 KB budget), saved over
    // docs/images/browser-page.png with DARL_UPDATE_SCREENSHOT=1.
    const picture = await page.screenshot({ type: 'png', clip: { x: 0, y: 0, width: 1200, height: 900 } });
    expect(picture.length).toBeLessThan(300 * 1024);
    if (process.env.DARL_UPDATE_SCREENSHOT) await writeFile(join(repo, 'docs/images/browser-page.png'), picture);
  });

  it("saves the trained model as a run directory that Node's loadRun opens, with the same weights", async () => {
    await page.click('#pause');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save')]);
    const zip = join(root, 'saved.zip');
    await download.saveAs(zip);
    const { saved } = await pageState(page);
    const files = unzipSync(new Uint8Array(await (await import('node:fs/promises')).readFile(zip)));
    const dir = join(root, 'unzipped');
    for (const [path, bytes] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), bytes);
    }
    const runDir = join(dir, saved!.name.replace(/\.zip$/, ''));
    const { loadRun } = await import('@darl/darl/node');
    const { flattenTree, useBackend } = await import('@darl/tensor-backend');
    const { paramTree } = await import('@darl/darl');
    await useBackend('cpu');
    const loaded = await loadRun(runDir);
    expect(loaded.state.step).toBe(saved!.step);
    expect(loaded.state.data).toBe('mnist');
    let sum = 0;
    for (const [, t] of flattenTree(paramTree(loaded.params))) for (const v of t.dataSync()) sum += v;
    expect(sum).toBeCloseTo(saved!.parameterSum, 3);
    loaded.dispose();
  });

  it('trains the diffusion objective and shows the denoising steps of each patch', async () => {
    await page.selectOption('#objective', 'diffusion');
    await page.click('#start');
    await waitFor(page, 's.model.objective === "diffusion" && s.losses.length >= 5');
    await page.click('#pause');
    await page.click('#complete');
    await waitFor(page, 's.completion.done');
    const { completion } = await pageState(page);
    expect(completion.denoisingSteps).toBe(10); // the page's model.diffusion.sampleSteps
    expect(await page.$$eval('#denoising canvas', (c) => c.length)).toBe(10);
  });

  it('loads a run trained by the Node CLI from dropped files, and samples from it', async () => {
    const before = (await pageState(page)).samplesAt.length;
    await page.setInputFiles('#files', [join(nodeRun, 'config.json'), join(nodeCheckpoint, 'model.safetensors')]);
    await waitFor(page, `s.model.source === 'config.json + model.safetensors' && s.samplesAt.length > ${before}`);
    const { model } = await pageState(page);
    expect(model!.objective).toBe('mse');
    const { loadRun } = await import('@darl/darl/node');
    const { countParameters } = await import('@darl/tensor-backend');
    const { paramTree } = await import('@darl/darl');
    const loaded = await loadRun(nodeRun);
    expect(model!.parameters).toBe(countParameters(paramTree(loaded.params)));
    loaded.dispose();
    await page.click('#complete');
    await waitFor(page, 's.completion.done');
  });

  it('loads the zip it saved (a whole run directory, dropped as one file)', async () => {
    const before = (await pageState(page)).samplesAt.length;
    await page.setInputFiles('#files', join(root, 'saved.zip'));
    await waitFor(page, `s.model.source === 'saved.zip' && s.samplesAt.length > ${before}`);
    expect((await pageState(page)).model!.objective).toBe('mse');
  });

  it('loads the same run from a URL (a folder with config.json and model.safetensors)', async () => {
    const { readFile } = await import('node:fs/promises');
    await page.route(`${origin}/runs/tiny/*`, async (route) => {
      const name = new URL(route.request().url()).pathname.split('/').pop()!;
      const file = name === 'config.json' ? join(nodeRun, name) : join(nodeCheckpoint, name);
      await route.fulfill({ body: await readFile(file), contentType: name.endsWith('.json') ? 'application/json' : 'application/octet-stream' });
    });
    await page.fill('#url', '/runs/tiny/');
    await page.click('#load-url');
    await waitFor(page, `s.model.source === '${origin}/runs/tiny/'`);
  });

  it('production build (vite build + vite preview): trains the same first steps as the dev server, to the last bit', async () => {
    const outDir = join(root, 'dist');
    await run(process.execPath, [vite, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], { cwd: app });
    const preview = await startServer(['preview', '--outDir', outDir]);
    try {
      const built = await browser.newPage();
      watch(built, preview.origin);
      await built.goto(preview.origin);
      await waitFor(built, 's.backend !== ""', 90_000);
      await built.click('#start');
      await waitFor(built, 's.losses.length >= 5');
      await built.click('#pause');
      expect((await pageState(built)).losses.slice(0, 5).map((l) => l.loss)).toEqual(firstLosses);
      await built.close();
    } finally {
      if (preview.server.pid) process.kill(preview.server.pid);
    }
  });

  it('trains on WebGPU (SwiftShader) when asked with ?backend=webgpu: the loss falls, samples are not blank', async () => {
    const gpuBrowser = await chromium.launch(launchOptions({ args: [...CHROMIUM_ARGS, ...CHROMIUM_WEBGPU_ARGS] }));
    try {
      const gpuPage = await gpuBrowser.newPage();
      watch(gpuPage, origin);
      await gpuPage.goto(`${origin}/?backend=webgpu`);
      await waitFor(gpuPage, 's.backend !== ""', 90_000);
      // Asked for by name, the software adapter is used (auto would skip it, as useBackend('auto') does).
      expect((await pageState(gpuPage)).backend).toMatch(/^WebGPU \(google \/ swiftshader, software\)/);
      // SwiftShader is slow (the first step compiles the shaders, ~20 s; then ~2 s a step plus samples after most):
      // batch 16 and 8 steps, still inside the learning-rate warm-up, where the loss already falls steadily.
      await gpuPage.selectOption('#batch', '16');
      await gpuPage.click('#start');
      await waitFor(gpuPage, 's.errors.length > 0 || (s.losses.length >= 8 && s.samplesAt.length >= 2)', 180_000);
      await gpuPage.click('#pause');
      const { losses, errors } = await pageState(gpuPage);
      expect(errors).toEqual([]);
      const mean = (a: { loss: number }[]) => a.reduce((s, v) => s + v.loss, 0) / a.length;
      expect(losses.every((l) => Number.isFinite(l.loss) && l.loss > 0)).toBe(true); // zeros would mean a dead read
      expect(mean(losses.slice(5, 8))).toBeLessThan(0.9 * mean(losses.slice(0, 3)));
      for (const levels of [...(await grayLevels(gpuPage, '#samples canvas')), ...(await grayLevels(gpuPage, '#completions canvas'))]) expect(levels).toBeGreaterThan(8);
    } finally {
      await gpuBrowser.close();
    }
  });

  it('reported no console error, page error, failed or outside request', async () => {
    expect(problems).toEqual([]);
    expect((await pageState(page)).errors).toEqual([]);
  });
});
