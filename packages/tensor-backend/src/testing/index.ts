/**
 * Test helpers for darl packages and for users' own models: a no-leak assertion, closeness checks, and one suite run
 * on every available backend with tolerances derived from float precision. Needs `vitest` (an optional peer).
 *
 * @module
 */
export { expectNoLeak } from './no-leak.js';
export { expectAllClose, maxAbsDiff } from './close.js';
export { describeBackends, testBackends, type BackendSuiteContext } from './backends.js';
