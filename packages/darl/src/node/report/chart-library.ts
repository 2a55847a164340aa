// Loads the browser bundle of Chart.js from node_modules, to be inlined into report.html (no network).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { scriptSafe } from './escape.js';

let cached: string | undefined;

/**
 * Returns the source of Chart.js's UMD bundle (`chart.js/dist/chart.umd.min.js`, which defines `window.Chart`),
 * made safe for an inline `<script>` and without its source-map comment. Read once, then cached.
 */
export function loadChartLibrary(): string {
  if (cached !== undefined) return cached;
  const here: string | undefined = import.meta.url; // undefined in the CommonJS build (esbuild empties import.meta)
  const require = createRequire(here ?? __filename);
  let file: string;
  try {
    file = join(dirname(require.resolve('chart.js')), 'chart.umd.min.js');
    cached = scriptSafe(readFileSync(file, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n'));
  } catch (err) {
    throw new Error(
      `loadChartLibrary: cannot read Chart.js's browser bundle (${(err as Error).message}). The report inlines it from the "chart.js" package, a dependency of darl; reinstall darl's dependencies.`,
    );
  }
  return cached;
}
