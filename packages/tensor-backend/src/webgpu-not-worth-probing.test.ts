// auto's shortcut on a Linux machine without a GPU device: it does not load Dawn (whose Vulkan probe prints warnings
// and costs start-up time), unless the environment names a Vulkan driver to probe.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { webgpuNotWorthProbing } from './webgpu-adapter.js';

const hasGpuNode =
  (existsSync('/dev/dri') && readdirSync('/dev/dri').some((n) => n.startsWith('renderD'))) || readdirSync('/dev').some((n) => /^nvidia\d/.test(n));
const saved = process.env.VK_ICD_FILENAMES;

afterEach(() => {
  if (saved === undefined) delete process.env.VK_ICD_FILENAMES;
  else process.env.VK_ICD_FILENAMES = saved;
});

describe.runIf(process.platform === 'linux')('webgpuNotWorthProbing', () => {
  it('names the missing GPU device exactly when this machine has none', () => {
    delete process.env.VK_ICD_FILENAMES;
    const why = webgpuNotWorthProbing();
    if (hasGpuNode) expect(why).toBeNull();
    else expect(why).toMatch(/no GPU device .*--backend webgpu/);
  });

  it('probes whenever a Vulkan driver is named in the environment', () => {
    process.env.VK_ICD_FILENAMES = '/usr/lib/chromium/vk_swiftshader_icd.json';
    expect(webgpuNotWorthProbing()).toBeNull();
  });
});
