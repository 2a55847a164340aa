#!/usr/bin/env node
// Turns a finished full-mode run directory into a recipe's reference.json (the run-directory format's reference
// run, schema in packages/darl/src/run-dir/reference-file.ts): the loss curve thinned to at most 200 points, the
// probe's best test accuracy and the raw-pixel baseline, and notes saying where, on what and when the reference was
// measured. The run directory is read by @darl/darl's referenceRunOf (every file through its schema), so build the
// packages first (pnpm build).
//
//   node examples/make-reference.mjs RUN_DIR NAME [NOTE] > examples/<recipe>/reference.json
//   (for the ablations recipe RUN_DIR is its output directory holding ablations.json: one reference per setting)
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// @darl/darl/node as its package's exports map names it (this script sits outside every workspace package).
const darlDir = new URL('../packages/darl/', import.meta.url);
const darlEntry = new URL(JSON.parse(readFileSync(new URL('package.json', darlDir), 'utf8')).exports['./node'].import.default, darlDir);
if (!existsSync(darlEntry)) {
  console.error(`make-reference: ${darlEntry.pathname} is missing; build the packages first (pnpm build).`);
  process.exit(2);
}
const { referenceRunOf } = await import(darlEntry.href);

const [dir, name, note = ''] = process.argv.slice(2);
if (!dir || !name) {
  console.error('usage: node examples/make-reference.mjs RUN_DIR NAME [NOTE]   (RUN_DIR may be an ablations output directory)');
  process.exit(2);
}
let reference;
try {
  if (existsSync(join(dir, 'ablations.json'))) {
    // The ablations recipe: one reference run per setting (its seed-0 run), { name, settings: { [setting]: reference } }.
    const table = JSON.parse(readFileSync(join(dir, 'ablations.json'), 'utf8'));
    const settings = {};
    for (const run of table.runs.filter((r) => r.seed === 0)) settings[run.setting] = await referenceRunOf(run.runDir, `${name}: ${run.setting}`, note || undefined);
    reference = { name, settings };
  } else {
    reference = await referenceRunOf(dir, name, note || undefined);
  }
} catch (err) {
  console.error(`make-reference: ${err.message}`);
  process.exit(2);
}
// [step, loss] pairs on one line each.
console.log(JSON.stringify(reference, null, 2).replace(/\[\s+(-?[\d.e+-]+),\s+(-?[\d.e+-]+)\s+\]/g, '[$1, $2]'));
