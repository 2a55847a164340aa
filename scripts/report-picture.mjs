#!/usr/bin/env node
// The README's picture of a report: trains a small run with the darl CLI (the digits-mse preset, 60 steps: about a
// minute on an idle 2-core machine), opens
// its report.html in headless Chromium (scripts/chromium.mjs), waits until every chart has drawn, and screenshots the
// top of the page. Fails on a page error, a console error, a chart that did not draw, or a picture over 300 KB.
//
// Usage: node scripts/report-picture.mjs            (check: take the picture, write nothing; run by `pnpm test`)
//        node scripts/report-picture.mjs --write    (also save it as docs/images/report.png)
//        node scripts/report-picture.mjs --run DIR  (use an existing run directory instead of training one)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { haveChromium, launchOptions, NO_CHROMIUM } from './chromium.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'docs', 'images', 'report.png');
const MAX_BYTES = 300 * 1024;
const args = process.argv.slice(2);
const write = args.includes('--write');
const given = args.includes('--run') ? resolve(args[args.indexOf('--run') + 1]) : undefined;

if (!haveChromium) {
  if (process.env.CI) throw new Error(`${NO_CHROMIUM} CI is set, so the report picture must be taken.`);
  console.warn(`report-picture: skipped — ${NO_CHROMIUM}`);
  process.exit(0);
}
// playwright-core is a dependency of the browser example (and of @darl/darl's report test), not of the root.
const { chromium } = createRequire(join(root, 'examples', 'browser', 'package.json'))('playwright-core');

const tmp = mkdtempSync(join(tmpdir(), 'darl-report-picture-'));
try {
  const run = given ?? join(tmp, 'digits-mse');
  if (!given) {
    const cli = ['--conditions=@darl/source', '--import', 'tsx', join(root, 'packages/darl/src/cli.ts')];
    const sets = ['train.steps=60', 'train.sampleEvery=30', 'train.evalImages=128'];
    execFileSync(process.execPath, [...cli, 'pretrain', '--preset', 'digits-mse', ...sets.flatMap((s) => ['--set', s]), '--progress', 'none', '--out', run], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  const report = join(run, 'report.html');
  if (!existsSync(report)) throw new Error(`report-picture: ${report} was not written.`);

  const browser = await chromium.launch(launchOptions());
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 860 } });
    const problems = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(`console error: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(pathToFileURL(report).href, { waitUntil: 'load' });
    await page.waitForSelector('html[data-charts-drawn]', { timeout: 20_000 });
    if (problems.length) throw new Error(`report-picture: the report had problems:\n${problems.join('\n')}`);
    const png = await page.screenshot({ type: 'png' });
    if (png.length > MAX_BYTES) throw new Error(`report-picture: the picture is ${png.length} bytes, over ${MAX_BYTES}; shrink the viewport.`);
    if (write) {
      writeFileSync(out, png);
      console.log(`report-picture: wrote ${out} (${(png.length / 1024).toFixed(0)} KB)`);
    } else {
      if (!existsSync(out)) throw new Error(`report-picture: ${out} is missing; run node scripts/report-picture.mjs --write.`);
      if (statSync(out).size > MAX_BYTES) throw new Error(`report-picture: ${out} is over ${MAX_BYTES} bytes.`);
      console.log(`report-picture: the report renders (${(png.length / 1024).toFixed(0)} KB picture); docs/images/report.png is in place`);
    }
  } finally {
    await browser.close();
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
