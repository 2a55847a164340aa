import { describe, expect, it } from 'vitest';
import { REFERENCE_CONFIG, numPatches, trainingFlops } from './reference-model.js';

describe('trainingFlops', () => {
  it('matches the hand count for the bench assembly (50 tokens) and the DarlTrainer step (49 tokens)', () => {
    // Computed independently from the formula in the TSDoc (B 64, N 49, PD 16, D 128, F 512, DH 32, depth 4).
    expect(trainingFlops(REFERENCE_CONFIG)).toBe(16_788_750_336);
    expect(trainingFlops(REFERENCE_CONFIG, numPatches(REFERENCE_CONFIG) + 1)).toBe(16_788_750_336);
    expect(trainingFlops(REFERENCE_CONFIG, numPatches(REFERENCE_CONFIG))).toBe(16_434_462_720);
  });
});
