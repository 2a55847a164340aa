import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cosineOffsetSchedule, cosineSchedule } from './cosine-schedule.js';
import { linearBetaAlphaBar, linearBetaSchedule } from './linear-beta-schedule.js';
import { scheduleFromSpec } from './noise-level.js';
import { GAMMA_MAX, GAMMA_MIN, LOG_SNR_LIMIT, logSnrFromGamma, sigmoid, type NoiseSchedule } from './noise-schedule.js';
import { samplingGammas, samplingSchedule } from './sampling-gammas.js';
import { shiftSchedule } from './shift-schedule.js';
import { sigmoidSchedule } from './sigmoid-schedule.js';
import { diffusionHeadConfig } from './diffusion-head-config.js';

interface Golden {
  t: number[];
  schedules: Record<string, { gamma: number[]; logSnr: number[] }>;
  linearAlphaBar: number[];
}
const golden = JSON.parse(readFileSync(new URL('../fixtures/golden.json', import.meta.url), 'utf8')) as Golden;

const cases: [string, NoiseSchedule][] = [
  ['cosine', cosineSchedule()],
  ['cosine-offset', cosineOffsetSchedule()],
  ['linear', linearBetaSchedule()],
  ['sigmoid', sigmoidSchedule()],
  ['sigmoid-0-3-0.7', sigmoidSchedule({ start: 0, end: 3, tau: 0.7 })],
  ['shift-cosine+1', shiftSchedule(cosineSchedule(), 1)],
  ['shift-cosine-2', shiftSchedule(cosineSchedule(), -2)],
];

describe('schedules against NumPy golden values', () => {
  for (const [key, schedule] of cases) {
    it(`${key}: γ and log-SNR at fixed t`, () => {
      const ref = golden.schedules[key]!;
      golden.t.forEach((t, i) => {
        const g = schedule.gamma(t);
        const l = schedule.logSnr(t);
        expect(Math.abs(g - ref.gamma[i]!), `${key} γ(${t})`).toBeLessThan(1e-12 + 1e-9 * ref.gamma[i]!);
        // log-SNR near the clamp is computed from γ by NumPy (cancellation in 1 − γ): compare relative to |l|.
        expect(Math.abs(l - ref.logSnr[i]!), `${key} logSnr(${t})`).toBeLessThan(1e-7 * Math.max(1, Math.abs(ref.logSnr[i]!)));
      });
    });
  }

  it('DDPM linear-β alpha-bar table matches np.cumprod', () => {
    const table = linearBetaAlphaBar();
    expect(table.length).toBe(1001);
    golden.linearAlphaBar.forEach((v, i) => expect(Math.abs(table[i]! - v)).toBeLessThan(1e-13));
    // t = i/T hits the table exactly (up to the γ clamp)
    const s = linearBetaSchedule();
    for (const i of [1, 10, 250, 999, 1000]) expect(s.gamma(i / 1000)).toBeCloseTo(table[i]!, 12);
  });
});

describe('schedule properties', () => {
  it('γ is decreasing in t, clamped to [GAMMA_MIN, GAMMA_MAX], and γ = sigmoid(logSnr)', () => {
    for (const [key, s] of cases) {
      let prev = Infinity;
      for (let i = 0; i <= 200; i++) {
        const t = i / 200;
        const g = s.gamma(t);
        expect(g, `${key} at ${t}`).toBeLessThanOrEqual(prev);
        expect(g).toBeGreaterThanOrEqual(GAMMA_MIN * (1 - 1e-9));
        expect(g).toBeLessThanOrEqual(GAMMA_MAX);
        expect(Math.abs(s.logSnr(t))).toBeLessThanOrEqual(LOG_SNR_LIMIT);
        expect(g).toBeCloseTo(sigmoid(s.logSnr(t)), 14);
        prev = g;
      }
    }
  });

  it('cosine is exactly cos²(πt/2) inside the clamp, and its log-SNR is accurate near t = 0', () => {
    const s = cosineSchedule();
    for (const t of [0.01, 0.3, 0.5, 0.77, 0.99]) expect(s.gamma(t)).toBeCloseTo(Math.cos((Math.PI * t) / 2) ** 2, 15);
    // logSnr(2e-3) = −2·log tan(π·1e-3) computed without cancellation (log(γ/(1−γ)) from γ would lose ~7 digits).
    expect(s.logSnr(2e-3)).toBeCloseTo(-2 * Math.log(Math.tan(Math.PI * 1e-3)), 13);
  });

  it('shift adds to the log-SNR and keeps the clamp', () => {
    const base = sigmoidSchedule();
    const shifted = shiftSchedule(base, 0.7);
    for (const t of [0.2, 0.5, 0.8]) expect(shifted.logSnr(t)).toBeCloseTo(base.logSnr(t) + 0.7, 12);
    expect(shifted.name).toBe('shift(sigmoid(start=-3,end=3,tau=1),0.7)');
    expect(shiftSchedule(base, 5).gamma(0)).toBe(base.gamma(0));
  });

  it('names identify the parameters', () => {
    expect(cosineSchedule().name).toBe('cosine');
    expect(cosineOffsetSchedule().name).toBe('cosine-offset(s=0.008)');
    expect(linearBetaSchedule().name).toBe('linear-beta(start=0.0001,end=0.02,steps=1000)');
    expect(sigmoidSchedule({ tau: 0.9 }).name).toBe('sigmoid(start=-3,end=3,tau=0.9)');
    expect(scheduleFromSpec({ kind: 'schedule', schedule: 'cosine', shift: -1 }).name).toBe('shift(cosine,-1)');
  });

  it('rejects t outside [0, 1] and bad options with clear messages', () => {
    expect(() => cosineSchedule().gamma(1.5)).toThrow(/cosine: diffusion time t must be in \[0, 1\].*got 1.5/);
    expect(() => linearBetaSchedule().gamma(Number.NaN)).toThrow(/must be in \[0, 1\]/);
    expect(() => sigmoidSchedule({ start: 3, end: -3 })).toThrow(/start < end/);
    expect(() => linearBetaSchedule({ steps: 0 })).toThrow(/steps must be an integer/);
    expect(() => shiftSchedule(cosineSchedule(), Infinity)).toThrow(/must be finite/);
    expect(() => scheduleFromSpec({ kind: 'schedule', schedule: 'quadratic' as never })).toThrow(/unknown schedule "quadratic"/);
  });

  it('logSnrFromGamma clamps', () => {
    expect(logSnrFromGamma(0)).toBeCloseTo(-LOG_SNR_LIMIT, 12);
    expect(logSnrFromGamma(1)).toBeCloseTo(LOG_SNR_LIMIT, 12);
    expect(logSnrFromGamma(0.5)).toBe(0);
  });
});

describe('samplingGammas', () => {
  it('walks the schedule from t = 1 to t = 1/steps, then lands on γ = 1', () => {
    const g = samplingGammas(4);
    expect(Array.from(g)).toEqual([cosineSchedule().gamma(1), cosineSchedule().gamma(0.75), cosineSchedule().gamma(0.5), cosineSchedule().gamma(0.25), 1]);
    expect(g[0]).toBeCloseTo(GAMMA_MIN, 12);
  });

  it('respacing the linear-β schedule to 20 steps hits DDPM ᾱ at 1000, 950, …, 50', () => {
    const table = linearBetaAlphaBar();
    const g = samplingGammas(20, linearBetaSchedule());
    for (let i = 0; i < 20; i++) expect(g[i]).toBeCloseTo(table[1000 - 50 * i]!, 12);
  });

  it('samplingSchedule: the training schedule, or cosine for Beta-trained heads', () => {
    const decoder = { patchDim: 4, conditionDim: 3 };
    expect(samplingSchedule(diffusionHeadConfig({ decoder, noiseLevels: { kind: 'schedule', schedule: 'sigmoid', shift: 1 } })).name).toBe(
      'shift(sigmoid(start=-3,end=3,tau=1),1)',
    );
    expect(samplingSchedule(diffusionHeadConfig({ decoder, noiseLevels: { kind: 'beta', a: 1, b: 3 } })).name).toBe('cosine');
    expect(() => samplingGammas(0)).toThrow(/steps must be an integer ≥ 1/);
  });
});

describe('pure float64 files', () => {
  it('schedule and noise-level files import nothing from tfjs', () => {
    for (const f of [
      'noise-schedule.ts',
      'cosine-schedule.ts',
      'linear-beta-schedule.ts',
      'sigmoid-schedule.ts',
      'shift-schedule.ts',
      'noise-level.ts',
      'sampling-gammas.ts',
    ]) {
      const text = readFileSync(new URL(`./${f}`, import.meta.url), 'utf8');
      const imports = text.split('\n').filter((l) => /^import\s/.test(l));
      for (const line of imports) {
        expect(line, `${f}: ${line}`).not.toMatch(/tfjs/);
        // Only type imports from other packages (the tensor-backend Rng is used as a type).
        if (/from '@/.test(line)) expect(line, `${f}: ${line}`).toMatch(/^import type /);
      }
    }
  });
});
