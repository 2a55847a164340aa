// Runs the composition examples (examples/composition/*.ts) the way an outside user would: builds the packages
// (turbo, so a build earlier in `pnpm test` is reused), packs every published package with `pnpm pack`, installs the
// tarballs and their peers with npm into a fresh project in the OS temp folder (the native kernels compile there),
// type-checks and compiles the examples against the published .d.ts with the workspace's tsc, and runs each with
// plain `node`. Fails on any non-zero exit; prints each example's output and the time of every stage.
//
//   node scripts/check-composition-examples.mjs [--keep]     (--keep: leave the temp project for inspection)
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const examplesDir = join(root, 'examples', 'composition');
const examples = ['masked-image', 'autoregressive-diffusion', 'custom-head'];
const keep = process.argv.includes('--keep');
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
const t0 = performance.now();
const stage = (name, since) => console.log(`  ${name}: ${((performance.now() - since) / 1000).toFixed(1)} s`);

const packages = readdirSync(join(root, 'packages'))
  .map((dir) => ({ dir: join(root, 'packages', dir), pkg: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) }))
  .filter(({ pkg }) => !pkg.private);

let t = performance.now();
run('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=./packages/*', '--output-logs=errors-only'], root);
stage('build', t);

const work = mkdtempSync(join(tmpdir(), 'darl-composition-'));
let failed = [];
try {
  t = performance.now();
  const tarballs = {};
  for (const { dir, pkg } of packages) {
    const out = run('pnpm', ['pack', '--pack-destination', work], dir).trim().split('\n').pop();
    tarballs[pkg.name] = `file:${out.startsWith('/') ? out : join(work, out)}`;
  }
  stage(`pack (${packages.length} packages)`, t);

  // The consumer: tarballs, the tfjs peers at the version the packages name, @types/node for the examples' node: imports.
  t = performance.now();
  const project = join(work, 'project');
  mkdirSync(project);
  const tfjs = packages.find(({ pkg }) => pkg.name === '@darl/tensor-backend').pkg.peerDependencies['@tensorflow/tfjs-core'];
  const tfjsVersion = tfjs.replace(/^[\^~]/, '');
  const deps = {
    ...tarballs,
    '@tensorflow/tfjs-core': tfjsVersion,
    '@tensorflow/tfjs-backend-cpu': tfjsVersion,
    '@tensorflow/tfjs-backend-wasm': tfjsVersion,
  };
  const types = JSON.parse(readFileSync(join(examplesDir, 'package.json'), 'utf8')).devDependencies['@types/node'];
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'composition-consumer', private: true, type: 'module', dependencies: deps, devDependencies: { '@types/node': types }, overrides: tarballs }, null, 2),
  );
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], project);
  stage('npm install', t);

  // Type-check against the published .d.ts and compile, with the workspace's TypeScript.
  t = performance.now();
  for (const name of examples) copyFileSync(join(examplesDir, `${name}.ts`), join(project, `${name}.ts`));
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022', lib: ['ES2022'], module: 'NodeNext', moduleResolution: 'NodeNext', strict: true,
        noUncheckedIndexedAccess: true, verbatimModuleSyntax: true, skipLibCheck: true, types: ['node'], outDir: 'out',
      },
      files: examples.map((n) => `${n}.ts`),
    }, null, 2),
  );
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: project, encoding: 'utf8' });
  if (tsc.status !== 0) {
    console.error(tsc.stdout, tsc.stderr);
    throw new Error('the composition examples do not type-check against the published packages');
  }
  stage('tsc (type-check + compile)', t);

  for (const name of examples) {
    t = performance.now();
    console.log(`\n$ node out/${name}.js`);
    // TMPDIR inside the work folder: what an example writes to os.tmpdir() (custom-head's run directory) goes with it.
    const env = { ...process.env, TMPDIR: work };
    const r = spawnSync(process.execPath, [join('out', `${name}.js`)], { cwd: project, env, stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
    // useBackend('auto') probes WebGPU first; Dawn's adapter notes on stderr are noise unless the example failed.
    if (r.status !== 0) {
      process.stderr.write(r.stderr ?? '');
      failed.push(name);
    }
    stage(`${name} (exit ${r.status})`, t);
  }
} finally {
  if (keep) console.log(`project kept at ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
stage('total', t0);
if (failed.length) {
  console.error(`composition examples failed: ${failed.join(', ')}`);
  process.exit(1);
}
console.log(`composition examples: ${examples.length} ran from the packed tarballs in a fresh npm project`);
