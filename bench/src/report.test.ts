import { describe, expect, it } from 'vitest';
import { figures, mainTable, peakLines, ratio, renderTable, type SystemResult } from './report.js';

const base = { gen_mse_ms: 0, gen_diffusion_ms: 0, data_ms_per_256: 0 };
const torch = (config: string, threads: number, o: Partial<SystemResult>): SystemResult => ({ ...base, train_ms: 0, system: `PyTorch (${config})`, config, threads, ...o });

describe('ratio', () => {
  it('is darl ÷ PyTorch for times and PyTorch ÷ darl for rates, so > 1 means darl is slower', () => {
    expect(ratio(150, 100, true)).toBeCloseTo(1.5, 12);
    expect(ratio(100, 150, false)).toBeCloseTo(1.5, 12);
    expect(ratio(undefined, 100, true)).toBeUndefined();
    expect(ratio(1, Number.NaN, true)).toBeUndefined();
  });
});

describe('mainTable', () => {
  it('compares each figure with the configuration fastest for that figure and names it', () => {
    const darl: SystemResult = { ...base, system: 'tfjs-native (auto)', train_ms: 100, trainer_ms: 110, gen_mse_ms: 20 };
    const peers = [
      torch('OpenMP OpenBLAS, 2 threads, malloc settings', 2, { train_ms: 125, gen_mse_ms: 30 }),
      torch('OpenMP OpenBLAS, 1 thread', 1, { train_ms: 200, gen_mse_ms: 25 }),
      torch('pthread OpenBLAS, 2 threads', 2, { train_ms: 150, gen_mse_ms: 40 }),
    ];
    const rows = figures({ flops: 16.79e9, trainerFlops: 16e9, batch: 64, peak: { gflops: 300, label: 'FMA', source: 'fma-loop' } }).filter((f) =>
      ['train ms/step (bench assembly)', 'DarlTrainer ms/step (reference preset)', 'generate 1 image, MSE (ms)'].includes(f.name),
    );
    const { text, comparisons } = mainTable([darl], peers, darl, rows);
    const train = comparisons['train ms/step (bench assembly)']!;
    expect(train.bestConfig).toBe('OpenMP OpenBLAS, 2 threads, malloc settings');
    expect(train.best).toBeCloseTo(0.8, 12);
    expect(train.oneThread).toBeCloseTo(0.5, 12);
    expect(train.twoThreads).toBeCloseTo(0.8, 12);
    // darl's trainer against the peer's training step
    expect(comparisons['DarlTrainer ms/step (reference preset)']!.best).toBeCloseTo(0.88, 12);
    const mse = comparisons['generate 1 image, MSE (ms)']!;
    expect(mse.bestConfig).toBe('OpenMP OpenBLAS, 1 thread');
    expect(mse.best).toBeCloseTo(0.8, 12);
    expect(mse.twoThreads).toBeCloseTo(20 / 30, 12);
    expect(text).toContain('OpenMP OpenBLAS, 1 thread');
  });

  it('reports the training step as a percentage of the measured peak', () => {
    const rows = figures({ flops: 30e9, trainerFlops: 15e9, batch: 64, peak: { gflops: 300, label: 'FMA', source: 'fma-loop' } });
    const r: SystemResult = { ...base, system: 'x', train_ms: 200, trainer_ms: 200 };
    expect(rows.find((f) => f.name.startsWith('train % of 300'))?.get(r)).toBeCloseTo(50, 9);
    // the trainer's step is counted with its own FLOPs
    expect(rows.find((f) => f.name.startsWith('DarlTrainer % of 300'))?.get(r)).toBeCloseTo(25, 9);
    expect(rows.find((f) => f.name === 'DarlTrainer GFLOP/s')?.get(r)).toBeCloseTo(75, 9);
  });
});

describe('peakLines', () => {
  it('lists every measurement, the reasons for the missing ones, and the peak the percentages use', () => {
    const fma = { source: 'fma-loop' as const, label: 'FMA loop', threads: 2, gflops: 350.25, cpuTimeGflops: 480 };
    const text = peakLines([fma], ['FMA loop skipped: no C++ compiler found'], fma, undefined);
    expect(text).toContain('FMA loop, 2 threads: 350.3 GFLOP/s (per CPU second of its threads: 480.0');
    expect(text).toContain('no C++ compiler found');
    expect(text).toContain('"% of peak": 350.3 GFLOP/s (FMA loop)');
    expect(peakLines([], [], undefined, undefined)).toContain('not measured');
  });
});

describe('renderTable', () => {
  it('right-aligns numbers, left-aligns the first (and optionally the last) column, with a rule under the header', () => {
    expect(renderTable([['a', 'bb', 'name'], ['xyz', '1', 'q']], true)).toBe(['a    bb  name', '---  --  ----', 'xyz   1  q'].join('\n'));
    expect(renderTable([['a', 'bb'], ['xyz', '1']])).toBe(['a    bb', '---  --', 'xyz   1'].join('\n'));
  });
});
