import { describe, expect, it } from 'vitest';
import { gflopsOf, measuredPeak, percentOfPeak, sgemmGflops, type PeakMeasurement } from './peak.js';

describe('peak arithmetic', () => {
  it('counts 2·n³ FLOPs for an n×n product', () => {
    // 2048³ · 2 = 17.18 GFLOP; in 57.26 ms that is 300 GFLOP/s.
    expect(sgemmGflops(2048, (2 * 2048 ** 3) / 300e6)).toBeCloseTo(300, 9);
    expect(sgemmGflops(10, 1)).toBeCloseTo(0.002, 12);
    expect(gflopsOf(16.79e9, 100)).toBeCloseTo(167.9, 9);
  });

  const ms: PeakMeasurement[] = [
    { source: 'fma-loop', label: 'FMA loop', threads: 1, gflops: 170 },
    { source: 'fma-loop', label: 'FMA loop', threads: 2, gflops: 290 },
    { source: 'sgemm', label: 'SGEMM openmp', threads: 2, gflops: 305 },
    { source: 'sgemm', label: 'SGEMM pthread', threads: 2, gflops: 280 },
    { source: 'sgemm', label: 'broken', threads: 2, gflops: Number.NaN },
  ];

  it('takes the highest finite rate at the thread count, optionally of one source', () => {
    expect(measuredPeak(ms, 2)).toEqual({ gflops: 305, label: 'SGEMM openmp', source: 'sgemm' });
    expect(measuredPeak(ms, 2, 'fma-loop')).toEqual({ gflops: 290, label: 'FMA loop', source: 'fma-loop' });
    expect(measuredPeak(ms, 1)?.gflops).toBe(170);
    expect(measuredPeak(ms, 1, 'sgemm')).toBeUndefined();
    expect(measuredPeak([], 2)).toBeUndefined();
  });

  it('expresses a rate as a percentage of the peak', () => {
    const peak = measuredPeak(ms, 2);
    expect(percentOfPeak(152.5, peak)).toBeCloseTo(50, 9);
    expect(percentOfPeak(undefined, peak)).toBeUndefined();
    expect(percentOfPeak(100, undefined)).toBeUndefined();
  });
});
