import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

// The page test drives a real Vite dev server and Chromium: one worker at a time.
export default mergeConfig(shared, defineConfig({ test: { include: ['src/**/*.test.ts', 'test/**/*.test.ts'], maxWorkers: 1 } }));
