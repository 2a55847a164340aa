// Vite serves the app from source: the @darl packages resolve to their TypeScript sources through the
// "@darl/source" export condition, so no build of the packages is needed. The page is cross-origin isolated
// (COOP/COEP headers) so the wasm backend can run its multi-threaded build; everything, the .wasm files included,
// comes from this server.
import { defineConfig, type Plugin } from 'vite';

const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/**
 * @darl/patch-data keeps its embedded digits in a CommonJS module (`module.exports = "<base64>"`) so that Node's
 * require() and bundlers both read it. Vite's dev server serves workspace sources as ES modules without converting
 * CommonJS, so this turns that one module into `export default "<base64>"` while serving (the build's bundler converts
 * CommonJS itself).
 */
function embeddedDigitsAsEsm(): Plugin {
  return {
    name: 'darl-embedded-digits-esm',
    apply: 'serve',
    transform(code, id) {
      if (!/embedded-digits-data\.cjs$/.test(id)) return null;
      return { code: code.replace(/^module\.exports\s*=/m, 'export default'), map: null };
    },
  };
}

export default defineConfig({
  // The worker's dependencies too, so that the dev server optimises them all before the first page load (otherwise it
  // finds them late and reloads the page).
  optimizeDeps: { entries: ['index.html', 'src/worker.ts'] },
  resolve: { conditions: ['@darl/source', 'module', 'browser', 'development|production'] },
  worker: { format: 'es', plugins: () => [embeddedDigitsAsEsm()] },
  plugins: [embeddedDigitsAsEsm()],
  server: { headers: isolation, host: '127.0.0.1' },
  preview: { headers: isolation, host: '127.0.0.1' },
  // No minification: the wasm backend's multi-threaded build starts its threads from the source text of its own
  // factory function (Function.prototype.toString), which minification turns into code that refers to names of the
  // enclosing bundle ("ReferenceError: e is not defined" in the thread workers).
  build: { target: 'es2022', chunkSizeWarningLimit: 4000, minify: false },
});
