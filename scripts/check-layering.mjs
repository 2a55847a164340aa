// Architectural checks that the type checker cannot make (DESIGN.md §2), run by `pnpm test`:
//   1. layers only point down: each package depends only on the @darl packages below it;
//   2. tensor code imports no `node:` module (only files under a `node/` folder, tests, fixtures and scripts may);
//   3. no Math.random in library code (randomness takes a seed);
//   4. tfjs packages (core and backends) are peer dependencies, never dependencies.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const ALLOWED = {
  '@darl/native-kernels': [],
  '@darl/tensor-backend': ['@darl/native-kernels'],
  '@darl/transformer': ['@darl/tensor-backend'],
  '@darl/diffusion': ['@darl/tensor-backend', '@darl/transformer'],
  '@darl/patch-data': ['@darl/tensor-backend'],
  '@darl/eval': ['@darl/tensor-backend', '@darl/transformer'],
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

if (problems.length) {
  console.error(`layering: ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log('layering: packages point down only; tensor code is browser-safe; no Math.random; tfjs only as a peer');
