// One owner for "which Chromium the browser tests drive, and how": Debian's /usr/bin/chromium (or CHROMIUM_PATH),
// launched headless through playwright-core, which never downloads a browser. Used by the report test
// (packages/darl), scripts/check-browser-bundles.mjs and the browser example's page test. Each caller imports
// playwright-core itself and passes launchOptions() to chromium.launch() or launchPersistentContext().
import { existsSync } from 'node:fs';

/** The Chromium executable. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether it is installed. */
export const haveChromium = existsSync(CHROMIUM_PATH);

/** What to do when it is not. */
export const NO_CHROMIUM = `No Chromium at ${CHROMIUM_PATH}: install Debian's "chromium" package (or set CHROMIUM_PATH).`;

/** Headless, no GPU, no network of its own (no QUIC, updates, sync or background requests). */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Added to CHROMIUM_ARGS for WebGPU: headless Chromium on Linux offers it only behind this flag. Without a GPU (and
 * with --disable-gpu) its adapter is SwiftShader, Chromium's own software Vulkan driver: correct, slow.
 */
export const CHROMIUM_WEBGPU_ARGS = ['--enable-unsafe-webgpu'];

/** Options for playwright-core's chromium.launch() / launchPersistentContext(), merged with `extra`. */
export function launchOptions(extra = {}) {
  return { executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, ...extra };
}
