import { expect, it } from 'vitest';
import { createProgress } from './progress.js';

it('--progress bar on a non-TTY stderr prints progress lines instead of nothing', () => {
  expect(process.stderr.isTTY).not.toBe(true); // vitest workers write to a pipe
  const out: string[] = [];
  const p = createProgress(10, 'bar', 0, (s) => out.push(s));
  p.update({ step: 3, loss: 0.5, lr: 1e-3, imagesPerSec: 12.5 });
  p.log('checkpoint saved');
  p.stop();
  expect(out).toEqual(['step 3/10  loss 0.50000  lr 1.00e-3  12.5 img/s\n', 'checkpoint saved\n']);
});
