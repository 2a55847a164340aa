// Architectural checks that the type checker cannot make (DESIGN.md §2), run by `pnpm test`:
//   1. layers only point down: each package depends only on the @darl packages below it;
//   2. tensor code imports no `node:` module (only files under a `node/` folder, tests, fixtures and scripts may);
//   3. no Math.random in library code (randomness takes a seed);
//   4. tfjs packages (core and backends) are peer dependencies, never dependencies;
//   5. each exported name means one thing: no two packages export the same name (re-exporting another @darl
//      package's name is fine; a justified exception goes into SHARED_NAMES below);
//   6. no import cycles, between files of one package or across packages (value and type imports alike).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const ALLOWED = {
  '@darl/native-kernels': [],
  '@darl/tensor-backend': ['@darl/native-kernels'],
  '@darl/transformer': ['@darl/tensor-backend'],
  '@darl/diffusion': ['@darl/tensor-backend', '@darl/transformer'],
  '@darl/patch-data': ['@darl/tensor-backend'],
  '@darl/eval': ['@darl/tensor-backend', '@darl/transformer', '@darl/patch-data'],
  '@darl/darl': ['@darl/tensor-backend', '@darl/transformer', '@darl/diffusion', '@darl/patch-data', '@darl/eval'],
};

const problems = [];
function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|js|mjs)$/.test(name)) out.push(p);
  }
  return out;
}

for (const dir of readdirSync(join(root, 'packages'))) {
  const pkgDir = join(root, 'packages', dir);
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const allowed = ALLOWED[pkg.name];
  if (!allowed) {
    problems.push(`${pkg.name}: not in the layering table of scripts/check-layering.mjs; add it with the packages it may use.`);
    continue;
  }
  const deps = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies });
  for (const d of deps.filter((d) => d.startsWith('@darl/'))) {
    if (!allowed.includes(d)) problems.push(`${pkg.name} depends on ${d}, which is not below it (allowed: ${allowed.join(', ') || 'none'}).`);
  }
  for (const d of Object.keys(pkg.dependencies ?? {}).filter((d) => d.startsWith('@tensorflow/'))) {
    problems.push(`${pkg.name} lists ${d} under dependencies; tfjs packages are peers (one tfjs for everyone).`);
  }
  for (const file of walk(join(pkgDir, 'src'))) {
    const rel = relative(root, file);
    const isTest = /\.test\.ts$|test-support|fixtures|test-helpers/.test(rel);
    const isNodeEntry = /\/src\/node\//.test(rel) || rel.endsWith('/src/cli.ts');
    const text = readFileSync(file, 'utf8');
    if (!isTest && !isNodeEntry && !rel.includes('/vendor/') && /from ['"]node:|import\(['"]node:|require\(['"]node:/.test(text)) {
      problems.push(`${rel} imports a node: module but is tensor code (browser-safe); move the I/O under src/node/.`);
    }
    if (!isTest && !rel.includes('/vendor/') && /Math\.random\(/.test(text)) problems.push(`${rel} uses Math.random; take an Rng from @darl/tensor-backend.`);
    for (const m of text.matchAll(/from ['"](@darl\/[a-z-]+)(?:\/[a-z-]+)?['"]/g)) {
      const target = m[1];
      if (target !== pkg.name && !allowed.includes(target) && !isTest) problems.push(`${rel} imports ${target}, which is not below ${pkg.name}.`);
    }
  }
}

// 5. One name, one owner. Entries of the public entry points (`src/index.ts`, `src/node/index.ts`) are read from
// their `export { … } from './…'` lists and `export const|function|class|type|interface` declarations; names
// re-exported from another @darl package belong to that package.
const SHARED_NAMES = new Map([
  // name → why two packages may export it (none so far)
]);
const owners = new Map();
for (const dir of readdirSync(join(root, 'packages'))) {
  const pkgDir = join(root, 'packages', dir);
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  for (const entry of ['src/index.ts', 'src/node/index.ts']) {
    let text;
    try {
      text = readFileSync(join(pkgDir, entry), 'utf8');
    } catch {
      continue;
    }
    text = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    const names = [];
    for (const m of text.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}\s*from\s*['"]([^'"]+)['"]/g)) {
      if (m[2].startsWith('@darl/')) continue;
      for (const part of m[1].split(',')) {
        const spec = part.trim().replace(/^type\s+/, '');
        if (spec) names.push(spec.split(/\s+as\s+/).pop().trim());
      }
    }
    for (const m of text.matchAll(/export\s+(?:declare\s+)?(?:const|let|function|class|type|interface|enum)\s+([A-Za-z_$][\w$]*)/g)) names.push(m[1]);
    for (const name of names) {
      const where = `${pkg.name}${entry.includes('/node/') ? '/node' : ''}`;
      const seen = owners.get(name);
      if (seen && seen !== where && !SHARED_NAMES.has(name)) {
        problems.push(`${name} is exported by both ${seen} and ${where}; rename one, or re-export the owner's, or justify it in SHARED_NAMES.`);
      } else if (!seen) owners.set(name, where);
    }
  }
}

// 6. Import cycles: a graph of every relative import and every @darl/* import (resolved to the package's source
// entry) among the source files, searched depth-first; each cycle is reported once, by its files.
const sourceEntry = new Map();
const files = [];
for (const dir of readdirSync(join(root, 'packages'))) {
  const pkgDir = join(root, 'packages', dir);
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  for (const [sub, target] of Object.entries(pkg.exports ?? {})) {
    if (typeof target === 'object' && target['@darl/source']) {
      sourceEntry.set(pkg.name + sub.slice(1), join(pkgDir, target['@darl/source']));
    }
  }
  files.push(...walk(join(pkgDir, 'src')).filter((f) => f.endsWith('.ts') && !/\.test\.ts$|test-helpers|\/vendor\//.test(f)));
}
const edges = new Map();
for (const file of files) {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  const out = new Set();
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    const spec = m[1] ?? m[2];
    let target;
    if (spec.startsWith('.')) target = join(file, '..', spec).replace(/\.js$/, '.ts');
    else if (sourceEntry.has(spec)) target = sourceEntry.get(spec);
    if (target && edges !== undefined) out.add(target);
  }
  edges.set(file, [...out].filter((t) => files.includes(t)));
}
const state = new Map(); // file → 1 on the stack, 2 done
const stack = [];
const cycles = new Set();
function visit(file) {
  state.set(file, 1);
  stack.push(file);
  for (const next of edges.get(file) ?? []) {
    if (state.get(next) === 1) {
      const cycle = stack.slice(stack.indexOf(next)).map((f) => relative(root, f));
      const start = cycle.indexOf([...cycle].sort()[0]);
      cycles.add([...cycle.slice(start), ...cycle.slice(0, start)].join(' → '));
    } else if (!state.has(next)) visit(next);
  }
  stack.pop();
  state.set(file, 2);
}
for (const file of files) if (!state.has(file)) visit(file);
for (const c of cycles) problems.push(`import cycle: ${c} → (back to the first); move the shared piece into its own file.`);

if (problems.length) {
  console.error(`layering: ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log('layering: packages point down only; tensor code is browser-safe; no Math.random; tfjs only as a peer; one package per exported name; no import cycles');
