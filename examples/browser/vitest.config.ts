import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

// The page test drives a real Vite dev server and Chromium: one worker at a time, and a set-up (Node CLI run, dev
// server, first page load) that may take minutes when the 2 cores are busy.
export default mergeConfig(shared, defineConfig({ test: { include: ['src/**/*.test.ts', 'test/**/*.test.ts'], maxWorkers: 1, hookTimeout: 300_000 } }));
