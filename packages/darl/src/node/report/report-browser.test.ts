// Opens generated reports in headless Chromium (Debian's /usr/bin/chromium via playwright-core, which never
// downloads a browser) and fails on any console error, page error, failed or outside request, broken image, or
// chart that did not draw.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFullRun, writeMinimalRun } from './fixtures/make-run-dir.js';
import { writeReport } from './write-report.js';
import { haveChromium, launchOptions, NO_CHROMIUM } from '../../../../../scripts/chromium.mjs';

if (!haveChromium && !process.env.CI) console.warn(`report-browser.test.ts: skipped — ${NO_CHROMIUM}`);

interface PageProblems {
  console: string[];
  errors: string[];
  failed: string[];
  outside: string[];
}

/** Opens a report and records every problem the page reports. */
async function openReport(context: BrowserContext, file: string): Promise<{ page: Page; problems: PageProblems }> {
  const page = await context.newPage();
  const problems: PageProblems = { console: [], errors: [], failed: [], outside: [] };
  const url = pathToFileURL(file).href;
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.console.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.errors.push(e.message));
  page.on('requestfailed', (r) => problems.failed.push(`${r.url().slice(0, 80)}: ${r.failure()?.errorText}`));
  page.on('request', (r) => {
    if (r.url() !== url && !r.url().startsWith('data:')) problems.outside.push(r.url());
  });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('html[data-charts-drawn]', { timeout: 10_000 });
  return { page, problems };
}

/** Per canvas: whether Chart.js owns it and how many pixels it painted. */
function canvasReport(page: Page) {
  return page.$$eval('canvas', (canvases) =>
    canvases.map((c) => {
      const ctx = (c as HTMLCanvasElement).getContext('2d')!;
      const { data } = ctx.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height);
      let painted = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
      const chart = (window as unknown as { Chart: { getChart(c: Element): unknown } }).Chart.getChart(c);
      return { id: c.id, width: (c as HTMLCanvasElement).width, painted, hasChart: chart !== undefined };
    }),
  );
}

describe.runIf(haveChromium || process.env.CI)('report in headless Chromium', () => {
  let root: string;
  let context: BrowserContext;

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${NO_CHROMIUM} CI is set, so the report test must run.`);
    root = await mkdtemp(join(tmpdir(), 'darl-report-browser-'));
    context = await chromium.launchPersistentContext(join(root, 'profile'), launchOptions({ viewport: { width: 1280, height: 900 } }));
  });

  afterAll(async () => {
    await context?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('renders a full run: every chart drawn, every image decoded, no errors, no requests', async () => {
    const dir = join(root, 'full');
    const pngs = await writeFullRun(dir);
    const { page, problems } = await openReport(context, await writeReport(dir));
    expect(problems).toEqual({ console: [], errors: [], failed: [], outside: [] });

    const canvases = await canvasReport(page);
    expect(canvases.map((c) => c.id).sort()).toEqual(
      ['finetune', 'grad-norm', 'loss', 'loss-by-noise', 'loss-by-noise-over-time', 'loss-by-row', 'loss-by-row-over-time', 'lr', 'probe', 'throughput'].map((id) => `chart-${id}`).sort(),
    );
    for (const c of canvases) {
      expect(c.hasChart, c.id).toBe(true);
      expect(c.width, c.id).toBeGreaterThan(100);
      expect(c.painted, `${c.id} painted pixels`).toBeGreaterThan(2000);
    }
    expect(await page.getAttribute('html', 'data-charts-drawn')).toBe(String(canvases.length));

    const images = await page.$$eval('img', (imgs) => imgs.map((i) => ({ complete: i.complete, naturalWidth: i.naturalWidth })));
    expect(images.length).toBe(pngs.size + 1); // + the latest grid in the header
    for (const img of images) expect(img.complete && img.naturalWidth > 0).toBe(true);

    // The hostile strings in config.json stayed text.
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('pre').first().textContent()).toContain('</script><script>window.__pwned = 1</script><b>bold</b>');

    // The log-scale switch of the loss chart works.
    const yType = () => page.evaluate(() => (window as unknown as { Chart: { getChart(id: string): { options: { scales: { y: { type: string } } } } } }).Chart.getChart('chart-loss').options.scales.y.type);
    const before = await yType();
    await page.click('input[data-log-toggle="loss"]');
    expect(await yType()).not.toBe(before);
    await page.click('input[data-log-toggle="loss"]');
    expect(await yType()).toBe(before);
    expect(problems.errors).toEqual([]);

    await page.screenshot({ path: '/tmp/report.png', fullPage: true });
    await page.close();
  });

  it('renders a run with only metrics.jsonl and config.json', async () => {
    const dir = join(root, 'minimal');
    await writeMinimalRun(dir);
    const { page, problems } = await openReport(context, await writeReport(dir));
    expect(problems).toEqual({ console: [], errors: [], failed: [], outside: [] });
    const canvases = await canvasReport(page);
    expect(canvases.map((c) => c.id).sort()).toEqual(['chart-grad-norm', 'chart-loss', 'chart-lr', 'chart-throughput']);
    for (const c of canvases) expect(c.painted, c.id).toBeGreaterThan(1000);
    expect(await page.$$('img')).toHaveLength(0);
    await page.close();
  });
});
