import { defineConfig } from 'tsup';

/**
 * The vendored tfjs gradients (≈ 400 kB, loaded only where the loaded tfjs-core lacks them) ship once, as
 * `dist/vendor/tfjs-gradients.cjs`, shared by the ESM and CommonJS builds and with no source map. The file has no
 * imports or exports, so it is the same code as a script: `import()` and `require()` both load it.
 */
const vendoredGradients = {
  name: 'vendored-gradients',
  setup(build: { onResolve(o: { filter: RegExp }, cb: () => { path: string; external: boolean }): void }) {
    build.onResolve({ filter: /\/vendor\/tfjs-gradients\.js$/ }, () => ({ path: './vendor/tfjs-gradients.cjs', external: true }));
  },
};

export default defineConfig({
  entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts', 'node/index': 'src/node/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: true,
  esbuildPlugins: [vendoredGradients],
  onSuccess: 'mkdir -p dist/vendor && cp src/vendor/tfjs-gradients.js dist/vendor/tfjs-gradients.cjs',
});
