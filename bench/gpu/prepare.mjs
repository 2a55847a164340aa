#!/usr/bin/env node
/**
 * Builds bench/gpu/dist/: everything the GPU benchmark needs on a machine with a GPU and PyTorch but no Node and no
 * network (bench/README.md, "GPU benchmark"). Run here, where npm's and Debian's packages are reachable:
 *
 *   pnpm bench:gpu:prepare            (= node bench/gpu/prepare.mjs)
 *
 * Then carry bench/gpu/dist and run `bash bench/gpu/dist/run.sh`.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const dist = join(here, 'dist');
/** What may travel to the GPU machine is 64 MiB with the repository's files; the folder keeps under this. */
const MAX_BYTES = 60 * 1024 * 1024;
const log = (s) => process.stderr.write(`prepare: ${s}\n`);

/** xz-compresses `src` into `dest` (xz -6, both cores). */
function xz(src, dest) {
  execFileSync('sh', ['-c', 'xz -T2 -6 -c "$1" > "$2"', 'xz', src, dest], { stdio: 'inherit' });
}

/** The bundle of darl's side: src/gpu/gpu-run.ts with darl's packages and tfjs inlined; Dawn (`webgpu`) stays outside. */
async function bundle() {
  const require = createRequire(join(root, 'package.json'));
  const esbuild = await import(require.resolve('esbuild'));
  await esbuild.build({
    entryPoints: [join(root, 'bench', 'src', 'gpu', 'gpu-run.ts')],
    outfile: join(dist, 'bench.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@darl/source'],
    external: ['webgpu', '@darl/native-kernels'],
    banner: { js: "import { createRequire as __darlCreateRequire } from 'node:module'; const require = __darlCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
}

/** Dawn for Node: the webgpu package's loader and its linux-x64 dawn.node (xz-compressed). */
function dawn() {
  const require = createRequire(join(root, 'bench', 'package.json'));
  const pkg = dirname(require.resolve('webgpu/package.json'));
  const out = join(dist, 'node_modules', 'webgpu');
  mkdirSync(out, { recursive: true });
  cpSync(join(pkg, 'package.json'), join(out, 'package.json'));
  cpSync(join(pkg, 'index.js'), join(out, 'index.js'));
  xz(join(pkg, 'dist', 'linux-x64', 'dawn.node'), join(out, 'dawn.node.xz'));
}

/** PyTorch's side, the twin and the unpacker, as plain files (the GPU machine's Python runs them from here). */
function python() {
  const out = join(dist, 'python');
  mkdirSync(out, { recursive: true });
  for (const f of ['darl_reference.py', 'gpu_bench.py', 'torch_distributed.py']) cpSync(join(root, 'bench', 'reference', f), join(out, f));
  cpSync(join(here, 'unpack.py'), join(out, 'unpack.py'));
  cpSync(join(root, 'python', 'darl_torch', 'darl_torch'), join(out, 'darl_torch'), { recursive: true, filter: (s) => !s.includes('__pycache__') });
}

/**
 * A darl run directory for the twin's DDP/FSDP steps (the tiny preset, one darl step, no EMA since FSDP keeps none,
 * a metrics line every step) and its data, darl's embedded digits, as `mnist-digits.tar.xz` (`DARL_MNIST_DIR`).
 */
function twinRun() {
  const cli = join(root, 'packages', 'darl', 'src', 'cli.ts');
  const sets = ['train.ema=0', 'train.logEvery=1', 'train.evalImages=0', 'train.batchSize=64', 'train.steps=1000'];
  execFileSync(
    process.execPath,
    ['--conditions=@darl/source', '--import', 'tsx', cli, 'pretrain', '--preset', 'tiny', ...sets.flatMap((s) => ['--set', s]),
      '--stop-at', '1', '--out', join(dist, 'twin-run'), '--progress', 'none', '--no-report'],
    { cwd: root, stdio: 'inherit' },
  );
  const require = createRequire(join(root, 'packages', 'patch-data', 'package.json'));
  const src = join(dirname(require.resolve('mnist/package.json')), 'src');
  execFileSync('sh', ['-c', 'tar -C "$1" -cf - digits | xz -T2 -6 > "$2"', 'tar', src, join(dist, 'mnist-digits.tar.xz')], { stdio: 'inherit' });
}

function sizeOf(path) {
  const s = statSync(path);
  return s.isDirectory() ? readdirSync(path).reduce((n, f) => n + sizeOf(join(path, f)), 0) : s.size;
}

async function main() {
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  log('bundling darl\'s side (esbuild)');
  await bundle();
  log('packing Dawn (dawn.node, xz)');
  dawn();
  log('copying the Python side and the twin');
  python();
  log('writing the twin\'s run directory (darl pretrain, tiny preset, 1 step) and its data');
  twinRun();
  log('downloading the Vulkan loader (apt-get download libvulkan1)');
  execFileSync('apt-get', ['download', 'libvulkan1'], { cwd: dist, stdio: 'inherit' });
  const reference = join(here, 'reference-cpu.json');
  if (existsSync(reference)) cpSync(reference, join(dist, 'reference-cpu.json'));
  else log('no bench/gpu/reference-cpu.json: the speed-up over darl native will read "not measured"');
  cpSync(join(here, 'run.sh'), join(dist, 'run.sh'));
  log(`compressing Node (${process.execPath}, ${process.version}; xz: a minute on an idle machine, several on a busy one)`);
  xz(process.execPath, join(dist, 'node.xz'));
  const bytes = sizeOf(dist);
  const sizes = readdirSync(dist).map((f) => `${f} ${(sizeOf(join(dist, f)) / 2 ** 20).toFixed(1)} MiB`);
  log(`${dist}: ${(bytes / 2 ** 20).toFixed(1)} MiB (${sizes.join(', ')})`);
  if (bytes > MAX_BYTES) throw new Error(`bench/gpu/dist is ${(bytes / 2 ** 20).toFixed(1)} MiB, over the ${MAX_BYTES / 2 ** 20} MiB that may travel`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
