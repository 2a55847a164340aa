// The fine-tuning settings' ranges are checked in one place, as user errors naming the key; `darl finetune` uses the
// same check with its flag names.
import { describe, expect, it } from 'vitest';
import { arrayDataset } from '@darl/patch-data';
import { isUserError, SettingError } from '@darl/tensor-backend';
import { checkFineTuneConfig, DEFAULT_FINE_TUNE, fineTune, type FineTuneConfig, type FineTuneModel } from './fine-tune.js';

function thrown(config: Partial<FineTuneConfig>, name?: (key: keyof FineTuneConfig) => string): SettingError {
  try {
    checkFineTuneConfig({ ...DEFAULT_FINE_TUNE, ...config }, name);
  } catch (err) {
    expect(isUserError(err)).toBe(true);
    return err as SettingError;
  }
  throw new Error(`checkFineTuneConfig accepted ${JSON.stringify(config)}`);
}

describe('checkFineTuneConfig', () => {
  it('accepts the defaults and the range edges', () => {
    expect(() => checkFineTuneConfig(DEFAULT_FINE_TUNE)).not.toThrow();
    expect(() => checkFineTuneConfig({ ...DEFAULT_FINE_TUNE, layerDecay: 1, labelSmoothing: 0, mixup: 0, weightDecay: 0, warmupEpochs: 0 })).not.toThrow();
  });

  it.each([
    [{ epochs: 0 }, 'epochs', 'a positive integer'],
    [{ batchSize: 2.5 }, 'batchSize', 'a positive integer'],
    [{ lr: 0 }, 'lr', '> 0'],
    [{ lr: Number.NaN }, 'lr', '> 0'],
    [{ layerDecay: 1.5 }, 'layerDecay', 'in (0, 1]'],
    [{ layerDecay: 0 }, 'layerDecay', 'in (0, 1]'],
    [{ weightDecay: -0.1 }, 'weightDecay', '≥ 0'],
    [{ labelSmoothing: 1 }, 'labelSmoothing', 'in [0, 1)'],
    [{ warmupEpochs: -1 }, 'warmupEpochs', '≥ 0'],
    [{ mixup: -1 }, 'mixup', '≥ 0'],
    [{ evalBatchSize: 0 }, 'evalBatchSize', 'a positive integer'],
    [{ testEvery: 0 }, 'testEvery', 'a positive integer'],
  ] as const)('refuses %j with a SettingError on %s', (config, key, range) => {
    const err = thrown(config);
    expect(err.key).toBe(key);
    expect(err.message).toContain(`fineTune: ${key} must be ${range}`);
  });

  it('names the key as the caller spells it', () => {
    expect(thrown({ labelSmoothing: 1.2 }, () => '--label-smoothing').message).toBe('--label-smoothing must be in [0, 1), got 1.2.');
  });

  it('fineTune refuses a bad setting before any work', async () => {
    const data = arrayDataset({ images: new Uint8Array(64), labels: new Int32Array([0]), height: 8, width: 8, channels: 1 });
    const model = {} as FineTuneModel; // never touched: the check comes first
    await expect(fineTune(model, { train: data, test: data, numClasses: 2 }, { lr: 0 })).rejects.toThrow('fineTune: lr must be > 0, got 0.');
  });
});
