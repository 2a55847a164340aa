#!/usr/bin/env node
// One owner for "how a package's tests run on the webgpu backend without a GPU": each package's `test:webgpu` script
// calls this with the test files to run. It runs them with vitest on SwiftShader (the software Vulkan driver of
// Debian's chromium package) through Dawn, the `webgpu` npm package, which needs the Vulkan loader (libvulkan1):
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json DARL_TEST_BACKENDS=webgpu vitest run FILES -t '[webgpu]'
// Only the suites titled `… [webgpu]` run: describeBackends' copies for webgpu, and webgpu-only suites named so.
// Without SwiftShader or the loader it skips with a message, except in CI (CI set), where that is an error.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { haveSwiftShader, NO_SWIFTSHADER, SWIFTSHADER_ICD } from './swiftshader.mjs';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node scripts/test-webgpu.mjs TEST_FILE_OR_FOLDER...');
  process.exit(2);
}
if (!haveSwiftShader) {
  if (process.env.CI) {
    console.error(`test:webgpu: ${NO_SWIFTSHADER} CI is set, so the webgpu suites must run.`);
    process.exit(1);
  }
  console.warn(`test:webgpu skipped — ${NO_SWIFTSHADER}`);
  process.exit(0);
}

const started = performance.now();
// The vitest the calling package resolves (its own or the workspace root's).
const vitest = join(dirname(createRequire(join(process.cwd(), 'package.json')).resolve('vitest/package.json')), 'vitest.mjs');
const r = spawnSync(process.execPath, [vitest, 'run', ...files, '-t', '\\[webgpu\\]'], {
  stdio: 'inherit',
  env: { ...process.env, VK_ICD_FILENAMES: SWIFTSHADER_ICD, DARL_TEST_BACKENDS: 'webgpu' },
});
if (r.error) throw r.error;
console.log(`test:webgpu: ${((performance.now() - started) / 1000).toFixed(0)} s`);
process.exit(r.status ?? 1);
