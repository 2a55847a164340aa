// The README's code blocks that stand alone are kept as files under test/ (so `tsc -p` type-checks them) and run
// here; this test fails when a README block and its file drift apart.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The README's ```ts block containing `marker`. */
function block(marker: string): string {
  const at = readme.indexOf(marker);
  expect(at, `README has no block with "${marker}"`).toBeGreaterThan(0);
  const start = readme.lastIndexOf('```ts\n', at) + '```ts\n'.length;
  return readme.slice(start, readme.indexOf('```', at));
}

it('the custom-head example in the README is test/readme-custom-head.ts, and it runs', async () => {
  expect(block('/** An L1 head')).toBe(readFileSync(new URL('../test/readme-custom-head.ts', import.meta.url), 'utf8'));
  await import('../test/readme-custom-head.js'); // builds the model (the head's shape check included) and computes a loss
});
