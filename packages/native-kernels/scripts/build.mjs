// Builds the addon on the user's machine at install time: one g++ call against the Node-API headers of the running
// Node, tuned for this CPU (-march=native). It never fails the install: on any problem it records why in
// build/status.json, prints one line, and exits 0, so darl falls back to the wasm backend and says why.
//
//   node scripts/build.mjs            (the package's install script)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const pkgDir = new URL('..', import.meta.url).pathname;
const buildDir = join(pkgDir, 'build');
const output = join(buildDir, 'darl_native.node');
mkdirSync(buildDir, { recursive: true });

function finish(status) {
  writeFileSync(join(buildDir, 'status.json'), `${JSON.stringify({ ...status, node: process.version, date: new Date().toISOString() }, null, 2)}\n`);
  console.log(status.ok ? `@darl/native-kernels: built ${status.flags.join(' ')} (${status.compiler})` : `@darl/native-kernels: not built (${status.reason}); darl will use the wasm backend`);
  process.exit(0);
}

if (process.env.DARL_NATIVE_SKIP_BUILD) finish({ ok: false, reason: 'DARL_NATIVE_SKIP_BUILD is set' });
if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) {
  finish({ ok: false, reason: `no native build for ${process.platform}-${process.arch} (Linux x64/arm64 only)` });
}

const headerDirs = [
  process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
  join(dirname(process.execPath), '..', 'include', 'node'),
  '/usr/include/node',
  '/usr/local/include/node',
].filter(Boolean);
const headers = headerDirs.find((d) => existsSync(join(d, 'node_api.h')));
if (!headers) finish({ ok: false, reason: `the Node-API headers (node_api.h) were not found in ${headerDirs.join(', ')}` });

const compilers = [process.env.CXX, 'g++', 'c++', 'clang++'].filter(Boolean);
const compiler = compilers.find((c) => spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0);
if (!compiler) finish({ ok: false, reason: `no C++ compiler found on PATH (tried ${compilers.join(', ')}; set CXX to use another)` });

const sources = readdirSync(join(pkgDir, 'src')).filter((f) => f.endsWith('.cc')).map((f) => join(pkgDir, 'src', f));
const base = ['-O3', '-std=c++17', '-fPIC', '-shared', '-fopenmp-simd', '-pthread', '-fno-math-errno', '-DNODE_GYP_MODULE_NAME=darl_native', `-I${headers}`];
let lastError = '';
for (const tuning of [['-march=native'], []]) {
  const flags = [...base, ...tuning];
  const r = spawnSync(compiler, [...flags, ...sources, '-o', output], { encoding: 'utf8', timeout: 300_000 });
  if (r.status === 0) finish({ ok: true, compiler, flags: [...tuning, '-O3', '-pthread'] });
  lastError = (r.error?.message ?? r.stderr ?? '').split('\n').find((l) => /error/i.test(l)) ?? `exit ${r.status}`;
}
finish({ ok: false, reason: `${compiler} failed: ${lastError.trim()}` });
