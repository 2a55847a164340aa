import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

// The page test drives a real Vite dev server and Chromium: one file, one worker.
export default mergeConfig(shared, defineConfig({ test: { include: ['test/**/*.test.ts'], maxWorkers: 1 } }));
