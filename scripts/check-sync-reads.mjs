// No synchronous tensor reads in library code, run by `pnpm test`.
//
// `dataSync()`, `arraySync()` and `bufferSync()` stall a GPU backend until the device is idle; on webgpu they throw
// under Node ("OffscreenCanvas is not defined") and silently read zeros in browsers. Library code (packages/*/src,
// not tests, not vendor) reads with `await t.data()` / `await tidyData(...)` instead. A call that must stay
// synchronous goes into ALLOWED below, with the exact source line and the reason; an entry that no longer matches
// anything is reported too, so the list cannot go stale.
//
// The scanner ignores comments and string literals. It checks itself on planted sources before every run
// (`node scripts/check-sync-reads.mjs --self-test` runs only that).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

/** Calls that read a tensor synchronously. */
const SYNC_READ = /\.\s*(dataSync|arraySync|bufferSync)\s*\(/g;

/** Files that are tests or test-only helpers (not library code), and vendored code. */
const NOT_LIBRARY = /\.test(?:-helpers)?\.[cm]?[jt]s$|\/test-support\/|\/fixtures\/|\/vendor\//;

/**
 * The justified exceptions, one per source line: `file` relative to the repository root, `line` the trimmed source
 * line as it stands, `why` the reason it is safe.
 */
export const ALLOWED = [
  {
    file: 'packages/tensor-backend/src/testing/close.ts',
    line: 'return Float64Array.from(x.dataSync() as ArrayLike<number>);',
    why:
      'expectAllClose / maxAbsDiff of @darl/tensor-backend/testing: synchronous test assertions (a vitest helper, no ' +
      'training or evaluation path calls them). On webgpu they refuse a tensor with a message asking for ' +
      '`await t.data()` values, checked just above this line.',
  },
];

/** The source with comments and string/template-literal text blanked (newlines kept, so line numbers hold). */
export function codeOnly(src) {
  let out = '';
  let state = 'code';
  const templateDepth = []; // brace depth at each `${` we entered from a template literal
  let braces = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    const next = src[i + 1];
    if (c === '\n') {
      out += '\n';
      if (state === 'line' || state === 'single' || state === 'double') state = 'code';
      continue;
    }
    if (state === 'code') {
      if (c === '/' && next === '/') {
        state = 'line';
        out += '  ';
        i++;
      } else if (c === '/' && next === '*') {
        state = 'block';
        out += '  ';
        i++;
      } else if (c === "'") {
        state = 'single';
        out += ' ';
      } else if (c === '"') {
        state = 'double';
        out += ' ';
      } else if (c === '`') {
        state = 'template';
        out += ' ';
      } else {
        if (c === '{') braces++;
        if (c === '}') {
          if (templateDepth.length && templateDepth[templateDepth.length - 1] === braces) {
            templateDepth.pop();
            state = 'template';
            out += ' ';
            continue;
          }
          braces--;
        }
        out += c;
      }
      continue;
    }
    if (state === 'block') {
      if (c === '*' && next === '/') {
        state = 'code';
        out += '  ';
        i++;
      } else out += ' ';
      continue;
    }
    if (state === 'single' || state === 'double' || state === 'template') {
      if (c === '\\') {
        out += next === '\n' ? ' \n' : '  ';
        i++;
        continue;
      }
      if ((state === 'single' && c === "'") || (state === 'double' && c === '"') || (state === 'template' && c === '`')) {
        state = 'code';
        out += ' ';
        continue;
      }
      if (state === 'template' && c === '$' && next === '{') {
        templateDepth.push(braces);
        state = 'code';
        out += '  ';
        i++;
        continue;
      }
      out += ' ';
      continue;
    }
    out += ' '; // line comment
  }
  return out;
}

/** Synchronous reads in one file's source: `{ line, number, call }` per call outside comments and strings. */
export function findSyncReads(src) {
  const code = codeOnly(src).split('\n');
  const raw = src.split('\n');
  const found = [];
  code.forEach((text, i) => {
    for (const m of text.matchAll(SYNC_READ)) found.push({ number: i + 1, line: raw[i].trim(), call: m[1] });
  });
  return found;
}

/**
 * Problems with the given files (`[{ file, src }]`, `file` relative to the root) against an allow-list: every sync
 * read not allowed, and every allow-list entry that matched nothing.
 */
export function checkFiles(files, allowed = ALLOWED) {
  const problems = [];
  const used = new Set();
  for (const { file, src } of files) {
    if (NOT_LIBRARY.test(file)) continue;
    for (const r of findSyncReads(src)) {
      const entry = allowed.find((a) => a.file === file && a.line === r.line);
      if (entry) used.add(entry);
      else {
        problems.push(
          `${file}:${r.number} calls ${r.call}(), a synchronous read that stalls a GPU backend (webgpu throws under Node and ` +
            `reads zeros in browsers). Read with \`await t.data()\` (or \`await tidyData(...)\`), batching a step's reads; ` +
            `if it must stay synchronous, add the line to ALLOWED in scripts/check-sync-reads.mjs with the reason.`,
        );
      }
    }
  }
  for (const a of allowed) {
    if (!used.has(a)) problems.push(`scripts/check-sync-reads.mjs: the allowed line ${JSON.stringify(a.line)} of ${a.file} no longer exists; remove the entry.`);
  }
  return problems;
}

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.[cm]?[jt]s$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The checker on planted sources: throws unless it flags and passes what it should. */
function selfTest() {
  const expectProblems = (files, n, what) => {
    const got = checkFiles(files, ALLOWED.map((a) => ({ ...a })).concat([{ file: 'packages/x/src/ok.ts', line: 'const v = t.dataSync();', why: 'planted' }]));
    // Planted files never include the real allowed files, so their entries are reported as unused: ignore those.
    const real = got.filter((p) => !ALLOWED.some((a) => p.includes(a.file) && p.includes('no longer exists')));
    if (real.length !== n) throw new Error(`check-sync-reads self-test (${what}): expected ${n} problem(s), got ${real.length}: ${real.join(' | ')}`);
  };
  const lib = 'packages/x/src/lib.ts';
  const allowedFile = { file: 'packages/x/src/ok.ts', src: 'const v = t.dataSync();\n' };
  expectProblems([allowedFile, { file: lib, src: 'const loss = r.loss.dataSync()[0];\n' }], 1, 'a planted dataSync call');
  expectProblems([allowedFile, { file: lib, src: 'const a = x\n  .arraySync();\nconst b = y.bufferSync();\n' }], 2, 'arraySync across lines and bufferSync');
  expectProblems([allowedFile, { file: lib, src: 'const s = `${t.dataSync()[0]}`;\n' }], 1, 'a call inside a template expression');
  expectProblems(
    [allowedFile, { file: lib, src: "// t.dataSync()\n/* x.arraySync() */\nconst m = 'never t.dataSync()';\nconst n = `no ${'x'} y.dataSync()`;\n" }],
    0,
    'mentions in comments and strings',
  );
  expectProblems([allowedFile, { file: 'packages/x/src/a.test.ts', src: 't.dataSync();\n' }, { file: 'packages/x/src/vendor/v.js', src: 't.dataSync();\n' }], 0, 'tests and vendor');
  expectProblems([{ file: lib, src: 'const v = t.dataSync();\n' }], 2, 'an allowed line in another file, and the unused entry');
}

selfTest();
if (!process.argv.includes('--self-test')) {
  const files = [];
  for (const dir of readdirSync(join(root, 'packages'))) {
    const src = join(root, 'packages', dir, 'src');
    if (!statSync(join(root, 'packages', dir)).isDirectory()) continue;
    try {
      statSync(src);
    } catch {
      continue;
    }
    for (const file of walk(src)) files.push({ file: relative(root, file), src: readFileSync(file, 'utf8') });
  }
  const problems = checkFiles(files);
  if (problems.length) {
    console.error(`check-sync-reads: ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exit(1);
  }
  console.log(`check-sync-reads: no synchronous reads in library code outside ${ALLOWED.length} justified line(s) (${files.length} files).`);
}
