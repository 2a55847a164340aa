// Measures what a user downloads: the unpacked size of each published package's tarball, and the minified size of
// an esbuild browser bundle of each browser-safe entry (tfjs-core left out: it is the user's peer). Run after
// `pnpm build`. `scripts/check-packaging.mjs` fails when a number passes its budget in `scripts/size-budgets.json`.
//
//   node scripts/measure-sizes.mjs            # prints the table
//   node scripts/measure-sizes.mjs --json     # prints the numbers as JSON
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;

/** Published packages: `{ name, dir, pkg }`. */
export function publishedPackages() {
  return readdirSync(join(root, 'packages'))
    .map((d) => ({ dir: join(root, 'packages', d), pkg: JSON.parse(readFileSync(join(root, 'packages', d, 'package.json'), 'utf8')) }))
    .filter(({ pkg }) => !pkg.private)
    .map(({ dir, pkg }) => ({ name: pkg.name, dir, pkg }));
}

/** The browser-safe entries and what each bundle imports: the package's main entry, plus one bundle per backend. */
export const BROWSER_BUNDLES = [
  { id: '@darl/tensor-backend', code: `export * from '@darl/tensor-backend';` },
  { id: '@darl/transformer', code: `export * from '@darl/transformer';` },
  { id: '@darl/diffusion', code: `export * from '@darl/diffusion';` },
  { id: '@darl/patch-data', code: `export * from '@darl/patch-data';` },
  { id: '@darl/eval', code: `export * from '@darl/eval';` },
  { id: '@darl/darl', code: `export * from '@darl/darl';` },
  {
    id: "useBackend('cpu')",
    code: `import { useBackend } from '@darl/tensor-backend'; import * as cpu from '@tensorflow/tfjs-backend-cpu'; await useBackend('cpu', { load: async () => cpu });`,
  },
  {
    id: "useBackend('wasm')",
    code: `import { useBackend } from '@darl/tensor-backend'; import * as wasm from '@tensorflow/tfjs-backend-wasm'; await useBackend('wasm', { load: async () => wasm });`,
  },
];

/** Unpacked bytes of each package's tarball, as npm would install it. */
export function unpackedSizes() {
  const work = mkdtempSync(join(tmpdir(), 'darl-sizes-'));
  try {
    const out = {};
    for (const { name, dir } of publishedPackages()) {
      const json = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--pack-destination', work], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
      out[name] = { unpacked: json[0].unpackedSize, files: json[0].entryCount };
    }
    return out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Output bytes of a bundle grouped by the package they came from (`tensor-backend`, `@tensorflow/tfjs-backend-wasm`, …). */
function byPackage(metafile) {
  const out = {};
  for (const output of Object.values(metafile.outputs)) {
    for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
      const m = /node_modules\/(@[^/]+\/[^/]+|[^/]+)\/(?!.*node_modules)/.exec(file) ?? /packages\/([^/]+)\//.exec(file);
      const key = m ? m[1] : file;
      out[key] = (out[key] ?? 0) + bytesInOutput;
    }
  }
  return out;
}

// Only for measuring the state before darl's entries bundled cleanly: resolves `path`/`url` to empty modules.
const stubNodeBuiltins = {
  name: 'stub-node-builtins',
  setup(b) {
    b.onResolve({ filter: /^(node:)?(path|url)$/ }, (a) => ({ path: a.path, namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: 'export default {}; export const fileURLToPath = () => "";', loader: 'js' }));
  },
};

/** Minified browser-bundle bytes of each entry in {@link BROWSER_BUNDLES}; throws if an entry does not bundle. */
export async function bundleSizes() {
  const out = {};
  for (const { id, code } of BROWSER_BUNDLES) {
    const result = await build({
      stdin: { contents: code, resolveDir: join(root, 'packages/darl'), loader: 'js' },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      minify: true,
      write: false,
      external: ['@tensorflow/tfjs-core'],
      logLevel: 'silent',
      metafile: true,
      plugins: process.env.DARL_SIZES_STUB_NODE ? [stubNodeBuiltins] : [],
      nodePaths: [join(root, 'packages/tensor-backend/node_modules')],
    });
    out[id] = { bytes: result.outputFiles.reduce((n, f) => n + f.contents.byteLength, 0), byPackage: byPackage(result.metafile) };
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const unpacked = unpackedSizes();
  const bundles = await bundleSizes();
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ unpacked, bundles }, null, 2));
  } else {
    const kb = (n) => `${(n / 1000).toFixed(0)} kB`;
    console.log('| package | unpacked | files |\n|---|---:|---:|');
    for (const [name, s] of Object.entries(unpacked)) console.log(`| ${name} | ${kb(s.unpacked)} | ${s.files} |`);
    console.log('\n| browser bundle (minified, tfjs-core external) | bytes | from |\n|---|---:|---|');
    for (const [id, b] of Object.entries(bundles)) {
      const parts = Object.entries(b.byPackage).filter(([, n]) => n >= 1000).sort((x, y) => y[1] - x[1]).map(([k, n]) => `${k} ${kb(n)}`);
      console.log(`| ${id} | ${kb(b.bytes)} | ${parts.join(', ')} |`);
    }
  }
}
