import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'node/index': 'src/node/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // Shared code in root chunks (CommonJS too), so every build finds the embedded digits at ./embedded-digits-data.cjs:
  // one 2.1 MB copy in dist/, loaded by import() or require(), with no source map.
  splitting: true,
  external: [/\/embedded-digits-data\.cjs$/],
  onSuccess: 'cp src/embedded-digits-data.cjs dist/embedded-digits-data.cjs',
});
