// A recipe's reference run (`reference.json`, see `run-dir/reference-file.ts`) made from a finished run directory:
// its loss curve thinned to at most 200 points, the probe's best test accuracy and raw-pixel baseline, the fine-tuned
// accuracy, and notes saying where, on what and when it was measured. `examples/make-reference.mjs` prints it.
import { cpus } from 'node:os';
import { UserError } from '@darl/tensor-backend';
import { referenceFileSchema, RUN_FILES, type ReferenceRun } from '../run-dir/index.js';
import { readRunData, type RunData } from './read-run.js';

/** Most points of the reference loss curve. */
const MAX_POINTS = 200;

function thinnedLoss(run: RunData): [number, number][] {
  const points = run.metrics.flatMap((m) => (m.loss === undefined ? [] : [[m.step, Number(m.loss.toPrecision(5))] as [number, number]]));
  const stride = Math.max(1, Math.ceil(points.length / MAX_POINTS));
  return points.filter((_, i) => i % stride === 0 || i === points.length - 1);
}

function notesOf(run: RunData, extra: string | undefined): string {
  const state = run.state!;
  const train = (run.config?.train ?? {}) as { batchSize?: number; budgetSeconds?: number; seed?: number };
  const backend = state.backend as { name?: string; simd?: boolean };
  const cpu = cpus();
  return [
    `Full-mode run of ${state.step} steps × ${train.batchSize} images${train.budgetSeconds ? ` (a ${train.budgetSeconds} s budget)` : ''}, seed ${train.seed}`,
    `measured ${state.startedAt.slice(0, 10)} on ${cpu.length} cores (${cpu[0]?.model ?? 'unknown CPU'}), shared with other jobs`,
    `backend ${backend.name ?? 'unknown'}${backend.simd !== undefined ? ` (simd ${backend.simd ? 'on' : 'off'})` : ''}, tfjs-core ${state.versions['@tensorflow/tfjs-core'] ?? '?'}, node ${state.versions.node ?? '?'}`,
    `training wall time ${Math.round(state.wallSeconds)} s`,
    ...(run.probe ? [`probe: best layer ${run.probe.best.layer}, ${run.probe.best.pooling} pooling, ${run.probe.best.attention} attention, ${run.probe.trainSize} train / ${run.probe.testSize} test images`] : []),
    ...(run.finetune ? [`fine-tuned test accuracy ${run.finetune.final.testAccuracy}`] : []),
    ...(extra ? [extra] : []),
  ].join('; ');
}

/**
 * The reference run of a finished run directory, named `name`; `note` is added to its notes. Throws a user error
 * when the directory has no committed checkpoint or no logged loss.
 */
export async function referenceRunOf(runDir: string, name: string, note?: string): Promise<ReferenceRun> {
  const run = await readRunData(runDir);
  if (run.state === undefined) {
    throw new UserError(`${runDir} has no readable committed checkpoint (${run.warnings.join(' ') || `no ${RUN_FILES.latest}`}). Give a finished darl run directory.`);
  }
  const loss = thinnedLoss(run);
  if (loss.length === 0) throw new UserError(`${runDir}: ${RUN_FILES.metrics} logs no loss. Give a finished darl run directory.`);
  return referenceFileSchema.parse({
    name,
    loss,
    ...(run.probe ? { probe: { testAccuracy: run.probe.best.testAccuracy, ...(run.probe.rawPixels ? { rawPixels: run.probe.rawPixels.testAccuracy } : {}) } } : {}),
    ...(run.finetune ? { finetune: { testAccuracy: run.finetune.final.testAccuracy } } : {}),
    notes: notesOf(run, note),
  });
}
