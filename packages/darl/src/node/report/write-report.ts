// Writes `report.html` into a run directory: read the run, render it, replace the file atomically.
import { rename, writeFile } from 'node:fs/promises';
import { parseReferenceRun, readRunData } from './read-run.js';
import { renderReport } from './render-report.js';
import { runPaths, type ReferenceRun } from '../run-dir/index.js';

/** Options of `writeReport`. */
export interface WriteReportOptions {
  /** Heading and page title; the run directory's name by default. */
  readonly title?: string;
  /** A reference run to draw against this one; replaces the run directory's `reference.json` when given. */
  readonly reference?: ReferenceRun;
  /** One paragraph under the headline numbers (see `RenderReportOptions.note`). */
  readonly note?: string;
}

/**
 * Writes a self-contained `report.html` (no network needed to view it) into `runDir` and returns its path.
 * The file is written to a temporary name and renamed, so a reader never sees half a report. Throws when
 * `runDir` is not a run directory (see `readRunData`) or `reference` is malformed.
 */
export async function writeReport(runDir: string, opts: WriteReportOptions = {}): Promise<string> {
  const run = await readRunData(runDir);
  const reference = opts.reference === undefined ? run.reference : parseReferenceRun(opts.reference, 'writeReport: options.reference');
  const html = renderReport({
    ...run,
    ...(opts.title === undefined ? {} : { name: opts.title }),
    ...(reference === undefined ? {} : { reference }),
  }, opts.note === undefined ? {} : { note: opts.note });
  const path = runPaths(runDir).report;
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, html, 'utf8');
  await rename(tmp, path);
  return path;
}
