/**
 * The pairing check: for one seed, every setting's initial weights are built exactly as `pretrain` builds them
 * (`buildDarl` on the parsed run config, `initDarlParams` with the run's seed), and every tensor that two settings both
 * have with the same shape must hold the same values. Settings of one patch size must share the patch embedding, the
 * SOS token and every backbone block (a learned position table is the only extra tensor); settings of one patch size
 * and objective must share the head too. Any difference fails the recipe loudly.
 *
 * A head drawn for another patch size is not compared: its decoder's input projection (patchDim rows) draws first from
 * the head's stream, so its later layers draw other numbers; no claim pairs heads across patch sizes.
 *
 * Data order (`BatchStream` seeded by `train.seed` alone) and the noise streams (the trainer's stream from the seed;
 * diffusion forks γ and ε from it, two draws a step whatever the noise-level distribution consumes, as
 * @darl/diffusion's tests check) are shared by construction; the recipe checks them on the runs themselves through
 * the diffusion settings' bit-identical first-step losses (`main.ts`).
 */
import { disposeTree, flattenTree } from '@darl/tensor-backend';
import { buildDarl, initDarlParams, paramTree, parseConfig, runConfigSchema } from '@darl/darl';
import { runConfig, type Setting } from './settings.js';

/** One setting's initial tensors by path. */
async function initialTensors(s: Setting, seed: number, opts: { small: boolean; steps: number }): Promise<Map<string, { shape: string; values: Float32Array }>> {
  const run = parseConfig(runConfigSchema, runConfig(s, seed, opts), `ablation ${s.name}`);
  const params = initDarlParams(buildDarl(run.model), { seed: run.train.seed });
  const out = new Map<string, { shape: string; values: Float32Array }>();
  try {
    for (const [path, t] of flattenTree(paramTree(params))) out.set(path, { shape: t.shape.join('×'), values: (await t.data()) as Float32Array });
  } finally {
    disposeTree(paramTree(params));
  }
  return out;
}

/** Whether a path is one every same-patch-size setting must share (everything but the head and a learned table). */
const mustShare = (path: string, sameObjective: boolean): boolean => path !== 'backbone/pos' && (sameObjective || !path.startsWith('head/'));

/** Whether two settings' tensors at `path` with the same shape must hold the same values (not heads across patch sizes). */
const comparable = (path: string, samePatch: boolean): boolean => samePatch || !path.startsWith('head/');

/**
 * Checks the initial-weight pairing of `settings` at `seed`; returns one line per pair checked, throws on a mismatch.
 */
export async function checkInitialPairing(settings: readonly Setting[], seed: number, opts: { small: boolean; steps: number }): Promise<string[]> {
  const tensors = await Promise.all(settings.map((s) => initialTensors(s, seed, opts)));
  const lines: string[] = [];
  const failures: string[] = [];
  for (let i = 0; i < settings.length; i++) {
    for (let j = i + 1; j < settings.length; j++) {
      const [a, b] = [settings[i]!, settings[j]!];
      const [ta, tb] = [tensors[i]!, tensors[j]!];
      const samePatch = a.patchSize === b.patchSize;
      const sameObjective = a.objective === b.objective;
      let shared = 0;
      for (const [path, x] of ta) {
        const y = tb.get(path);
        if (!y) {
          if (samePatch && mustShare(path, sameObjective)) failures.push(`${a.name} has ${path}, ${b.name} does not`);
          continue;
        }
        if (x.shape !== y.shape) {
          if (samePatch && mustShare(path, sameObjective)) failures.push(`${path} is ${x.shape} in ${a.name} but ${y.shape} in ${b.name}`);
          continue;
        }
        if (!comparable(path, samePatch)) continue;
        if (!x.values.every((v, k) => Object.is(v, y.values[k]))) failures.push(`${path} differs between ${a.name} and ${b.name} at seed ${seed}`);
        else shared++;
      }
      lines.push(`${a.name} / ${b.name}: ${shared} of ${ta.size} / ${tb.size} tensors identical at init`);
    }
  }
  if (failures.length) throw new Error(`ablations: the pairing is broken — ${failures.join('; ')}`);
  return lines;
}
