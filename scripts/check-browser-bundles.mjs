// Bundles every browser-safe entry with esbuild for `--platform=browser` (no stubs, no Node polyfills), loads each
// bundle in headless Chromium (Debian's /usr/bin/chromium through playwright-core, which never downloads a browser),
// and runs an app that uses all of them on the cpu and the wasm backend: embedded digits → patches → a tiny
// diffusion DARL model → features, kNN, generation, and a fromPretrained round trip of its weights. Fails on a
// bundling error, a page error, a console error, a request outside the local server, or wrong numbers (features
// must agree across the two backends). Run after `pnpm build`.
//
//   node scripts/check-browser-bundles.mjs
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { build } from 'esbuild';
import { haveChromium, launchOptions, NO_CHROMIUM } from './chromium.mjs';

const root = new URL('..', import.meta.url).pathname;
const darlDir = join(root, 'packages/darl');
const backendDir = join(root, 'packages/tensor-backend');
const requireFromDarl = createRequire(join(darlDir, 'package.json'));
const requireFromBackend = createRequire(join(backendDir, 'package.json'));
if (!haveChromium) {
  console.error(`browser bundles: ${NO_CHROMIUM}`);
  process.exit(1);
}
const { chromium } = requireFromDarl('playwright-core');

export const BROWSER_ENTRIES = ['@darl/tensor-backend', '@darl/transformer', '@darl/diffusion', '@darl/patch-data', '@darl/eval', '@darl/darl'];

const APP = `
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, encodeSafetensors, flattenTree } from '@darl/tensor-backend';
import { loadEmbeddedDigits, readImages, readLabels, pixelsToTensor } from '@darl/patch-data';
import { featureMatrix, knnScores, top1Accuracy } from '@darl/eval';
import { buildDarl, initDarlParams, paramTree, pooledFeatures, generate, fromPretrained, runConfigSchema } from '@darl/darl';

const backend = new URLSearchParams(location.search).get('backend');
const info = await useBackend(backend, backend === 'wasm' ? { wasmPaths: '/wasm/' } : {});
const test = await loadEmbeddedDigits({ split: 'test' });
const idx = Array.from({ length: 20 }, (_, i) => i);
const images = pixelsToTensor(readImages(test, idx), [20, 28, 28, 1], { scale: 'minus-one-one' });
const run = runConfigSchema.parse({ model: { patchSize: 7, objective: 'diffusion', backbone: { preset: 'tiny', width: 16, depth: 2, heads: 2 }, diffusion: { decoder: { depth: 1, width: 16 }, sampleSteps: 3 } } });
const model = buildDarl(run.model);
const params = initDarlParams(model, { seed: 1 });
const feats = pooledFeatures(model, params, images, { pool: 'mean' });
const labels = Int32Array.from(readLabels(test, idx));
const fm = featureMatrix(feats.dataSync(), 20, feats.shape[1]);
const scores = await knnScores({ features: fm, labels }, fm, 10, { k: 1 });
const gen = generate(model, params, { n: 1, seed: 0 });
const weights = await encodeSafetensors(Object.fromEntries(flattenTree(paramTree(params))));
const loaded = fromPretrained({ config: JSON.stringify(run), weights });
const again = pooledFeatures(loaded.model, loaded.params, images, { pool: 'mean' });
window.__result = {
  backend: info.name,
  features: Array.from(feats.dataSync()),
  roundTrip: Array.from(again.dataSync()).every((v, i) => v === feats.dataSync()[i]),
  knnSelfAccuracy: top1Accuracy(scores, labels, 10),
  generated: { shape: gen.shape, finite: gen.dataSync().every(Number.isFinite) },
};
`;

const HTML = `<!doctype html><link rel="icon" href="data:,"><script type="module" src="./stdin.js"></script>`;

const types = { '.js': 'text/javascript', '.html': 'text/html', '.wasm': 'application/wasm', '.map': 'application/json' };

const work = mkdtempSync(join(tmpdir(), 'darl-browser-'));
let failures = 0;
const fail = (msg) => {
  failures++;
  console.log(`  FAILED ${msg}`);
};
try {
  const common = {
    bundle: true,
    platform: 'browser',
    format: 'esm',
    splitting: true,
    minify: true,
    logLevel: 'silent',
    nodePaths: [join(backendDir, 'node_modules')],
    absWorkingDir: darlDir,
  };
  // 1. Every entry bundles on its own and loads.
  const entries = {};
  BROWSER_ENTRIES.forEach((name, i) => (entries[`entry${i}`] = name));
  for (const [file, name] of Object.entries(entries)) {
    try {
      await build({
        ...common,
        stdin: { contents: `import * as m from '${name}'; window.__exports = Object.keys(m).length;`, resolveDir: darlDir, loader: 'js' },
        outdir: join(work, file),
      });
      writeFileSync(join(work, file, 'index.html'), `${HTML}`);
    } catch (err) {
      fail(`${name}: esbuild --platform=browser: ${err.errors?.map((e) => e.text).join('; ') ?? err.message}`);
      delete entries[file];
    }
  }
  // 2. The app.
  await build({ ...common, stdin: { contents: APP, resolveDir: darlDir, loader: 'js' }, outdir: join(work, 'app') });
  writeFileSync(join(work, 'app', 'index.html'), HTML);
  const wasmDist = dirname(requireFromBackend.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  mkdirSync(join(work, 'wasm'));
  for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
    writeFileSync(join(work, 'wasm', f), readFileSync(join(wasmDist, f)));
  }

  const server = createServer((req, res) => {
    const path = join(work, decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (!path.startsWith(work) || !existsSync(path)) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(readFileSync(path));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch(launchOptions());
  try {
    const open = async (path, waitFor) => {
      const page = await browser.newPage();
      const problems = [];
      page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('response', (r) => r.status() >= 400 && problems.push(`${r.status()} for ${r.url()}`));
      page.on('request', (r) => !r.url().startsWith(origin) && !r.url().startsWith('data:') && problems.push(`outside request: ${r.url()}`));
      await page.goto(`${origin}${path}`);
      let value;
      try {
        await Promise.race([
          page.waitForFunction(waitFor, null, { timeout: 120_000 }).then(async (h) => (value = await h.jsonValue())),
          page.waitForEvent('pageerror', { timeout: 120_000 }),
        ]);
      } catch (err) {
        problems.push(`no result: ${err.message.split('\n')[0]}`);
      }
      await page.close();
      return { value, problems };
    };
    for (const [file, name] of Object.entries(entries)) {
      const { value, problems } = await open(`/${file}/index.html`, () => window.__exports);
      if (problems.length || !(value > 0)) fail(`${name}: ${problems.join('; ') || 'no exports'}`);
      else console.log(`  ok     ${name}: bundles for the browser and loads (${value} exports)`);
    }
    const results = {};
    for (const backend of ['cpu', 'wasm']) {
      const { value, problems } = await open(`/app/index.html?backend=${backend}`, () => window.__result);
      if (problems.length || !value) {
        fail(`app on ${backend}: ${problems.join('; ')}`);
        continue;
      }
      results[backend] = value;
      const ok = value.backend === backend && value.roundTrip && value.knnSelfAccuracy === 1 && value.generated.finite && value.generated.shape.join() === '1,28,28,1';
      if (!ok) fail(`app on ${backend}: ${JSON.stringify({ ...value, features: value.features.length })}`);
      else console.log(`  ok     app on ${backend}: features [20, ${value.features.length / 20}], fromPretrained round trip exact, kNN self-accuracy 1, generated [1, 28, 28, 1]`);
    }
    if (results.cpu && results.wasm) {
      const diff = Math.max(...results.cpu.features.map((v, i) => Math.abs(v - results.wasm.features[i])));
      if (!(diff < 1e-4)) fail(`features differ between cpu and wasm by ${diff}`);
      else console.log(`  ok     cpu and wasm features agree (max |Δ| = ${diff.toExponential(1)})`);
    }
  } finally {
    await browser.close();
    server.close();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (failures) {
  console.error(`browser bundles: ${failures} check(s) failed`);
  process.exit(1);
}
console.log(`browser bundles: ${BROWSER_ENTRIES.length} entries bundle for the browser and load in Chromium; the app runs on cpu and wasm`);
