// Shared vitest settings: resolve workspace packages to their TypeScript sources (the "@darl/source" export
// condition), so tests and type checks never need a prior build.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@darl/source', 'module', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['@darl/source', 'module', 'node', 'import', 'default'], externalConditions: ['@darl/source'] } },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
