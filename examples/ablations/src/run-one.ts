/**
 * One run of the replication: pretrain one setting with one seed for the equal step budget, then the fixed linear
 * probe on the final weights (and on the half-way checkpoint for settings that keep one).
 *
 * The probe protocol, identical for every run: the last block's output (layer = depth), mean pooling over the tokens,
 * causal readout; features standardised; L-BFGS multinomial logistic regression with one L2 strength fixed in advance
 * (`PROBE_L2`), fitted on the whole training split and scored on the whole test split. No choice is made on test data
 * (nor on anything else: there is nothing to choose).
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { disposeTree, type BackendInfo } from '@darl/tensor-backend';
import { paramTree, darlFeatureExtractor } from '@darl/darl';
import { pretrain, loadRun, readRunData, writeReport } from '@darl/darl/node';
import { probeSweep } from '@darl/eval';
import type { ImageDataset } from '@darl/patch-data';
import { halfKey, runConfig, type Setting } from './settings.js';

/** The probe's L2 strength (per mean loss), fixed before any run: the middle of @darl/eval's default grid. */
export const PROBE_L2 = 1e-4;

/** The data every run of a worker shares: pretraining images (train), probe train and probe test. */
export interface RunData {
  readonly spec: string;
  readonly train: ImageDataset;
  readonly test: ImageDataset;
  readonly probeTrain: ImageDataset;
  readonly probeTest: ImageDataset;
}

/** What one run gives (one line of `runs` in ablations.json). */
export interface RunRow {
  readonly setting: string;
  readonly seed: number;
  readonly steps: number;
  /** The first logged loss and its step (small mode logs every step, so step 1: the loss before any update). */
  readonly firstLoss: number;
  readonly firstLossStep: number;
  readonly finalLoss: number;
  /** Probe test accuracy by score key: the setting's name, and `name@half` for the half-way checkpoint. */
  readonly probe: Record<string, number>;
  /** Wall seconds of pretraining (training time as the run recorded it) and of the probes. */
  readonly trainSeconds: number;
  readonly probeSeconds: number;
  /** CPU seconds (user + system) of this process for pretraining and for the probes: on a loaded machine these, not the wall times, give the idle single-core cost. */
  readonly trainCpuSeconds: number;
  readonly probeCpuSeconds: number;
  /** Seconds of feature extraction (train + test) of the final probe, and images per second it ran at. */
  readonly extractSeconds: number;
  readonly extractImagesPerSecond: number;
  readonly trainImagesPerSecond: number;
  /** The machine's 1-minute load average when the run finished (the wall times mean little without it). */
  readonly loadAverage: number;
  readonly runDir: string;
}

/** Linear-probe test accuracy of a run directory's weights (the kept checkpoint of `step`, or the final one). */
async function probeAt(dir: string, data: RunData, step?: number): Promise<{ accuracy: number; extractSeconds: number; seconds: number }> {
  const loaded = await loadRun(dir, { ...(step !== undefined ? { step } : {}), onNote: () => {} });
  try {
    const depth = loaded.model.backbone.depth;
    const r = await probeSweep(darlFeatureExtractor(loaded.model, loaded.params), {
      train: data.probeTrain,
      test: data.probeTest,
      numClasses: 10,
      layers: [depth],
      poolings: ['mean'],
      attentions: ['causal'],
      scale: loaded.model.config.pixelScale,
      probe: { seed: 0, l2s: [PROBE_L2] },
      pixelBaseline: false,
      batchSize: 256,
    });
    return { accuracy: r.best.testTop1, extractSeconds: r.seconds.extraction, seconds: r.seconds.total };
  } finally {
    loaded.dispose();
  }
}

/** Pretrains `s` with `seed` for `steps` steps under `out`, probes it, and returns its row. */
export async function runOne(s: Setting, seed: number, opts: { small: boolean; steps: number; out: string; data: RunData; backend: BackendInfo }): Promise<RunRow> {
  const dir = join(opts.out, `${s.name.replace(/[^a-z0-9.-]+/gi, '_')}-seed${seed}`);
  const cpu0 = process.cpuUsage();
  const trained = await pretrain({ run: runConfig(s, seed, opts), data: opts.data.spec, datasets: { train: opts.data.train, test: opts.data.test }, out: dir, backend: opts.backend, progress: 'none' });
  disposeTree(paramTree(trained.params));
  const metrics = (await readRunData(dir)).metrics;
  const first = metrics.find((r) => r.loss !== undefined);
  const cpu1 = process.cpuUsage();
  const t0 = performance.now();
  const final = await probeAt(dir, opts.data);
  const probe: Record<string, number> = { [s.name]: final.accuracy };
  const half = Math.floor(opts.steps / 2);
  if (s.half && half > 0) probe[halfKey(s.name)] = (await probeAt(dir, opts.data, half)).accuracy;
  const probeSeconds = (performance.now() - t0) / 1000;
  const cpu2 = process.cpuUsage();
  const cpuSeconds = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage): number => (b.user + b.system - a.user - a.system) / 1e6;
  await writeReport(dir, { title: `ablation ${s.name}, seed ${seed} (${opts.small ? 'small' : 'full'})` });
  const extracted = opts.data.probeTrain.size + opts.data.probeTest.size;
  return {
    setting: s.name,
    seed,
    steps: trained.step,
    firstLoss: first?.loss ?? Number.NaN,
    firstLossStep: first?.step ?? Number.NaN,
    finalLoss: trained.finalLoss,
    probe,
    trainSeconds: trained.wallSeconds,
    probeSeconds,
    trainCpuSeconds: cpuSeconds(cpu0, cpu1),
    probeCpuSeconds: cpuSeconds(cpu1, cpu2),
    extractSeconds: final.extractSeconds,
    extractImagesPerSecond: extracted / final.extractSeconds,
    trainImagesPerSecond: trained.imagesPerSec,
    loadAverage: loadavg()[0]!,
    runDir: dir,
  };
}
