#!/usr/bin/env node
// Type-checks every ```ts / ```typescript code block in the READMEs (root, packages/*, examples/*) against the
// workspace's sources, so the docs cannot drift from what ships. Each block becomes one ES module in .tmp/readme-code/
// (gitignored); a node_modules there links every @darl/* package, so imports resolve through the `@darl/source`
// condition of tsconfig.base.json to the packages' src/ — no build needed. Errors are reported as README:line.
//
// Fence info words after the language:
//   continues  — the block continues the previous ts block of the same README (its code is prepended), for a
//                walkthrough split by prose.
//   no-check   — not type-checked; only for blocks that are deliberately not TypeScript (e.g. a signature sketch).
//
// Usage: node scripts/check-readme-code.mjs [--list]    (exit 1 when a block fails)
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ts = createRequire(join(root, 'package.json'))('typescript');
const outDir = join(root, '.tmp', 'readme-code');

/** READMEs checked: the root one, then every package's and example's. */
function readmes() {
  const found = [join(root, 'README.md')];
  for (const group of ['packages', 'examples']) {
    found.push(join(root, group, 'README.md'));
    for (const entry of readdirSync(join(root, group), { withFileTypes: true })) {
      if (entry.isDirectory()) found.push(join(root, group, entry.name, 'README.md'));
    }
  }
  return found.filter((f) => existsSync(f));
}

/**
 * The ts blocks of one README: `{ line, words, lines }`, `line` the 1-based README line of the block's first code
 * line, `lines` the code lines with the fence's indentation removed.
 */
function extractBlocks(text) {
  const blocks = [];
  const all = text.split('\n');
  for (let i = 0; i < all.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(ts|typescript)\b(.*)$/.exec(all[i]);
    if (!open) continue;
    const [, indent, fence, , info] = open;
    const lines = [];
    let j = i + 1;
    for (; j < all.length && !new RegExp(`^\\s*${fence}\\s*$`).test(all[j]); j++) {
      lines.push(all[j].startsWith(indent) ? all[j].slice(indent.length) : all[j]);
    }
    if (j === all.length) throw new Error(`unclosed code fence opened at line ${i + 1}`);
    blocks.push({ line: i + 2, words: info.trim().split(/\s+/).filter(Boolean), lines });
    i = j;
  }
  return blocks;
}

const known = new Set(['continues', 'no-check']);

/** Writes the modules; returns `{ file, readme, lineMap }` per checked block (lineMap[k]: README line of line k). */
function writeModules() {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  linkPackages();
  writeFileSync(join(outDir, 'package.json'), JSON.stringify({ type: 'module', private: true }) + '\n');
  const modules = [];
  let skipped = 0;
  for (const readme of readmes()) {
    const rel = relative(root, readme);
    const slug = rel.replace(/\/?README\.md$/, '').replace(/[^A-Za-z0-9]+/g, '-') || 'root';
    let previous = null;
    for (const block of extractBlocks(readFileSync(readme, 'utf8'))) {
      const unknown = block.words.filter((w) => !known.has(w));
      if (unknown.length > 0) throw new Error(`${rel}:${block.line - 1}: unknown fence word(s) ${unknown.join(', ')}`);
      if (block.words.includes('no-check')) { skipped++; continue; }
      let lines = block.lines;
      let lineMap = lines.map((_, k) => block.line + k);
      if (block.words.includes('continues')) {
        if (!previous) throw new Error(`${rel}:${block.line - 1}: 'continues' but no checked ts block before it`);
        lines = [...previous.lines, ...lines];
        lineMap = [...previous.lineMap, ...lineMap];
      }
      const file = join(outDir, `${slug}-L${block.line - 1}.ts`);
      writeFileSync(file, [...lines, 'export {};', ''].join('\n'));
      previous = { lines, lineMap };
      modules.push({ file, readme: rel, line: block.line - 1, lineMap });
    }
  }
  return { modules, skipped };
}

/** node_modules/@darl/* → packages/*, plus the third-party packages the blocks import directly. */
function linkPackages() {
  const link = (name, target) => {
    const at = join(outDir, 'node_modules', name);
    mkdirSync(dirname(at), { recursive: true });
    symlinkSync(target, at, 'dir');
  };
  for (const dir of readdirSync(join(root, 'packages'))) {
    const pkg = join(root, 'packages', dir, 'package.json');
    if (existsSync(pkg)) link(JSON.parse(readFileSync(pkg, 'utf8')).name, join(root, 'packages', dir));
  }
  const fromBackend = (name) => realpathSync(join(root, 'packages', 'tensor-backend', 'node_modules', name));
  link('@tensorflow/tfjs-core', fromBackend('@tensorflow/tfjs-core'));
}

function compilerOptions() {
  const base = ts.readConfigFile(join(root, 'tsconfig.base.json'), ts.sys.readFile);
  if (base.error) throw new Error(ts.flattenDiagnosticMessageText(base.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(
    { ...base.config, compilerOptions: { ...base.config.compilerOptions, lib: ['ES2022', 'DOM'] } },
    ts.sys,
    outDir,
  );
  return { ...parsed.options, noEmit: true, noUnusedLocals: false };
}

function main() {
  const started = performance.now();
  const { modules, skipped } = writeModules();
  if (process.argv.includes('--list')) {
    for (const m of modules) console.log(`${m.readme}:${m.line} → ${relative(root, m.file)}`);
  }
  const program = ts.createProgram(modules.map((m) => m.file), compilerOptions());
  const byFile = new Map(modules.map((m) => [resolve(m.file), m]));
  let errors = 0;
  const failed = new Set();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const module = d.file ? byFile.get(resolve(d.file.fileName)) : undefined;
    errors++;
    if (!module) {
      // An error outside the blocks (a package's own source): report where it is.
      const where = d.file ? `${relative(root, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : 'tsc';
      console.error(`${where}: error TS${d.code}: ${text}`);
      continue;
    }
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    failed.add(module.file);
    console.error(`${module.readme}:${module.lineMap[line] ?? module.line}:${character + 1}: error TS${d.code}: ${text}`);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `README code: ${modules.length} ts blocks checked, ${skipped} marked no-check, ${failed.size} failing, ` +
      `${errors} error(s), ${seconds} s`,
  );
  if (errors > 0) process.exit(1);
}

main();
