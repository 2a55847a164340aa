// Packs every published package, installs the tarballs into a fresh temporary project with npm (as a user would),
// and loads each package's entry points with both `import` and `require`; installs each package alone into a fresh
// project that already has vitest 3; and checks unpacked and browser-bundle sizes against scripts/size-budgets.json.
// Run after `pnpm build`.
//
//   node scripts/check-packaging.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleSizes, unpackedSizes } from './measure-sizes.mjs';

const root = new URL('..', import.meta.url).pathname;
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });

const packages = readdirSync(join(root, 'packages'))
  .map((dir) => ({ dir: join(root, 'packages', dir), pkg: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) }))
  .filter(({ pkg }) => !pkg.private);

const work = mkdtempSync(join(tmpdir(), 'darl-packaging-'));
try {
  const tarballs = {};
  for (const { dir, pkg } of packages) {
    if (!existsSync(join(dir, 'dist'))) throw new Error(`${pkg.name}: no dist/ — run \`pnpm build\` first.`);
    const out = run('pnpm', ['pack', '--pack-destination', work], dir).trim().split('\n').pop();
    tarballs[pkg.name] = `file:${out.startsWith('/') ? out : join(work, out)}`;
  }
  const project = join(work, 'project');
  run('mkdir', ['-p', project]);
  const tfjsCore = packages[0].pkg.peerDependencies['@tensorflow/tfjs-core'];
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, dependencies: { ...tarballs, '@tensorflow/tfjs-core': tfjsCore }, overrides: tarballs }, null, 2),
  );
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--omit=optional'], project);

  let failures = 0;
  for (const { pkg } of packages) {
    const subpaths = Object.keys(pkg.exports ?? { '.': null }).filter((k) => k !== './package.json' && !k.includes('testing'));
    for (const sub of subpaths) {
      const spec = sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`;
      for (const mode of ['import', 'require']) {
        const code =
          mode === 'import'
            ? `import(${JSON.stringify(spec)}${sub.endsWith('.json') ? ", { with: { type: 'json' } }" : ''}).then(m => { if (!Object.keys(m).length) throw new Error('no exports'); console.log('ok', Object.keys(m).length) })`
            : `const m = require(${JSON.stringify(spec)}); if (!Object.keys(m).length) throw new Error('no exports'); console.log('ok', Object.keys(m).length)`;
        try {
          const out = run('node', ['-e', code], project).trim();
          console.log(`  ${mode.padEnd(7)} ${spec}: ${out}`);
        } catch (err) {
          failures++;
          console.log(`  ${mode.padEnd(7)} ${spec}: FAILED ${String(err.stderr ?? err.message).split('\n').filter((l) => /Error|error/.test(l)).slice(0, 2).join(' ')}`);
        }
      }
    }
  }
  // What a user does first: pick a backend and take a gradient (plain Node, CommonJS tfjs-core), and run the CLI.
  const smoke = `
    import * as tf from '@tensorflow/tfjs-core';
    import { useBackend } from '@darl/tensor-backend';
    const info = await useBackend('wasm');
    const g = tf.grad((x) => tf.sum(tf.mul(x, x)))(tf.tensor1d([1, 2, 3]));
    if (g.dataSync().join() !== '2,4,6') throw new Error('gradient ' + g.dataSync());
    console.log('ok', info.name, info.kernelOverrides.length, 'overrides');
  `;
  try {
    console.log(`  smoke   useBackend('wasm') + tf.grad: ${run('node', ['--input-type=module', '-e', smoke], project).trim()}`);
  } catch {
    failures++;
    console.log("  smoke   useBackend('wasm') + tf.grad: FAILED");
  }
  if (tarballs['@darl/darl']) {
    const bin = join(project, 'node_modules', '.bin', 'darl');
    try {
      const info = JSON.parse(run(bin, ['info', '--json', '--backend', 'wasm'], project));
      console.log(`  bin     darl info: chosen ${info.chosen.name}`);
    } catch {
      failures++;
      console.log('  bin     darl info: FAILED');
    }
    try {
      execFileSync(bin, ['pretrain', '--set', 'train.stpes=1'], { cwd: project, stdio: 'pipe' });
      failures++;
      console.log('  bin     darl pretrain with a bad key: exited 0 (expected 1)');
    } catch (err) {
      const ok = err.status === 1 && String(err.stderr).includes('Did you mean "steps"?');
      if (!ok) failures++;
      console.log(`  bin     darl pretrain with a bad key: exit ${err.status}${ok ? ', message names the closest key' : ' (expected 1 and a suggestion)'}`);
    }
  }
  // Types of every entry, subpaths included, under the oldest resolution (`moduleResolution: node10`, via typesVersions).
  {
    const specs = packages.flatMap(({ pkg }) =>
      Object.keys(pkg.exports ?? { '.': null }).filter((k) => k !== './package.json').map((sub) => (sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`)),
    );
    writeFileSync(join(project, 'node10.ts'), specs.map((s, i) => `import * as m${i} from ${JSON.stringify(s)};\nexport const k${i}: string[] = Object.keys(m${i});`).join('\n'));
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'commonjs', moduleResolution: 'node10', strict: true, resolveJsonModule: true, noEmit: true, skipLibCheck: true, types: [] }, files: ['node10.ts'] }));
    try {
      run('node', [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], project);
      console.log(`  types   moduleResolution node10: ${specs.length} entries resolve with types`);
    } catch (err) {
      failures++;
      console.log(`  types   moduleResolution node10: FAILED ${String(err.stdout ?? '').split('\n').slice(0, 4).join(' ')}`);
    }
  }
  // Each package alone, from its tarball (its @darl dependencies from theirs), into a project on vitest 3: the
  // optional vitest peer of /testing must not make npm refuse the install (ERESOLVE).
  for (const { pkg } of packages) {
    const alone = join(work, `alone-${pkg.name.replace(/\W/g, '-')}`);
    run('mkdir', ['-p', alone]);
    writeFileSync(
      join(alone, 'package.json'),
      JSON.stringify({ name: 'consumer-alone', private: true, devDependencies: { vitest: '^3.2.0' }, dependencies: { [pkg.name]: tarballs[pkg.name], '@tensorflow/tfjs-core': tfjsCore }, overrides: tarballs }, null, 2),
    );
    try {
      execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: alone, stdio: 'pipe', encoding: 'utf8' });
      const out = run('node', ['-e', `import(${JSON.stringify(pkg.name)}).then(m => console.log(Object.keys(m).length, 'exports; vitest', require('vitest/package.json').version))`], alone).trim();
      console.log(`  alone   ${pkg.name} with vitest 3: ${out}`);
    } catch (err) {
      failures++;
      console.log(`  alone   ${pkg.name} with vitest 3: FAILED ${String(err.stderr ?? err.message).split('\n').slice(0, 3).join(' ')}`);
    }
  }
  // Sizes within budget.
  const budgets = JSON.parse(readFileSync(join(root, 'scripts/size-budgets.json'), 'utf8'));
  const unpacked = unpackedSizes();
  for (const [name, budget] of Object.entries(budgets.unpackedBytes)) {
    const size = unpacked[name]?.unpacked;
    const ok = size !== undefined && size <= budget;
    if (!ok) failures++;
    console.log(`  size    ${name} unpacked ${size} bytes (budget ${budget})${ok ? '' : ' — OVER BUDGET'}`);
  }
  const bundles = await bundleSizes();
  for (const [id, budget] of Object.entries(budgets.browserBundleLoadedBytes)) {
    const size = bundles[id]?.bytes;
    const ok = size !== undefined && size <= budget;
    if (!ok) failures++;
    console.log(`  size    ${id} browser bundle ${size} bytes loaded (budget ${budget})${ok ? '' : ' — OVER BUDGET'}`);
  }
  if (failures) {
    console.error(`packaging: ${failures} check(s) failed`);
    process.exit(1);
  }
  console.log(`packaging: ${packages.length} package(s) packed, installed with npm and loaded with import and require`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
