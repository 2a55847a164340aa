// One owner for "where the tests find a WebGPU adapter without a GPU": SwiftShader, the software Vulkan driver that
// Debian's chromium package ships, reached from Node through Dawn (the `webgpu` npm package), which also needs the
// Vulkan loader (Debian's libvulkan1). Used by scripts/test-webgpu.mjs and the tests that start Dawn in a child
// process on SwiftShader.
import { existsSync } from 'node:fs';

/** The SwiftShader ICD file to point VK_ICD_FILENAMES at (DARL_WEBGPU_ICD overrides it). */
export const SWIFTSHADER_ICD = process.env.DARL_WEBGPU_ICD ?? '/usr/lib/chromium/vk_swiftshader_icd.json';

const LOADER_PATHS = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1', '/usr/lib64/libvulkan.so.1', '/usr/lib/libvulkan.so.1'];

/** What is missing for a SwiftShader adapter here (empty when nothing is). */
export const swiftShaderMissing = [
  ...(existsSync(SWIFTSHADER_ICD) ? [] : [`SwiftShader (${SWIFTSHADER_ICD}; Debian package chromium)`]),
  ...(LOADER_PATHS.some((p) => existsSync(p)) ? [] : ['the Vulkan loader (libvulkan.so.1; Debian package libvulkan1)']),
];

/** Whether Dawn can find a SwiftShader adapter here. */
export const haveSwiftShader = swiftShaderMissing.length === 0;

/** What to do when it cannot. */
export const NO_SWIFTSHADER = `No software WebGPU adapter: missing ${swiftShaderMissing.join(' and ')}; install them with apt-get install chromium libvulkan1.`;
