import { describe, expect, it } from 'vitest';
import {
  countTransformerParameters,
  DEFAULT_TRANSFORMER_PRESET,
  TRANSFORMER_PRESETS,
  transformerConfig,
  TransformerConfigError,
  type TransformerPresetName,
} from './config.js';
import { golden } from '../test/helpers.js';

describe('transformer presets', () => {
  it('parameter counts equal those of the PyTorch modules in make_golden.py', () => {
    const names = Object.keys(TRANSFORMER_PRESETS) as TransformerPresetName[];
    expect(names.sort()).toEqual(Object.keys(golden.presetParameterCounts).sort());
    for (const name of names) {
      expect(countTransformerParameters(TRANSFORMER_PRESETS[name]), name).toBe(golden.presetParameterCounts[name]);
    }
  });

  it('ViT-B/16 blocks have 85,054,464 parameters (12 blocks of width 768) plus 1,536 for the final LayerNorm', () => {
    expect(countTransformerParameters(TRANSFORMER_PRESETS['vit-b'])).toBe(85_054_464 + 1_536);
  });

  it('standard ViT shapes', () => {
    const shape = (n: TransformerPresetName) => {
      const c = TRANSFORMER_PRESETS[n];
      return [c.width, c.depth, c.heads, c.mlpRatio];
    };
    expect(shape('vit-s')).toEqual([384, 12, 6, 4]);
    expect(shape('vit-b')).toEqual([768, 12, 12, 4]);
    expect(shape('vit-l')).toEqual([1024, 24, 16, 4]);
    expect(shape('vit-h')).toEqual([1280, 32, 16, 4]);
    expect(shape('small')).toEqual([128, 4, 4, 4]);
  });

  it('every preset passes validation unchanged and is JSON round-trippable', () => {
    for (const [name, c] of Object.entries(TRANSFORMER_PRESETS)) {
      const v = transformerConfig({ preset: name as TransformerPresetName });
      expect(v).toEqual(c);
      expect(JSON.parse(JSON.stringify(v))).toEqual(c);
      expect(transformerConfig(JSON.parse(JSON.stringify(v)))).toEqual(c);
    }
  });

  it('learned positions add maxTokens · width parameters', () => {
    const c = transformerConfig({ preset: 'tiny', position: 'learned', maxTokens: 50 });
    expect(countTransformerParameters(c) - countTransformerParameters(TRANSFORMER_PRESETS.tiny)).toBe(50 * 32);
  });
});

describe('transformerConfig validation', () => {
  const err = (partial: object) => {
    try {
      transformerConfig(partial as never);
    } catch (e) {
      expect(e).toBeInstanceOf(TransformerConfigError);
      return (e as Error).message;
    }
    throw new Error('expected transformerConfig to throw');
  };

  it('overrides a preset and defaults to DEFAULT_TRANSFORMER_PRESET (tiny)', () => {
    expect(transformerConfig({ preset: 'tiny', depth: 3 }).depth).toBe(3);
    expect(DEFAULT_TRANSFORMER_PRESET).toBe('tiny');
    expect(transformerConfig({})).toEqual(TRANSFORMER_PRESETS.tiny);
    expect(transformerConfig({ preset: 'tiny', depth: 3 }).width).toBe(32);
  });

  it('rejects unknown keys, suggesting the closest valid name', () => {
    expect(err({ widht: 64 })).toMatch(/unknown key "widht". Did you mean "width"\?/);
    expect(err({ head: 4 })).toMatch(/Did you mean "heads"/);
    expect(err({ layerNormEpsilon: 1e-5 })).toMatch(/Did you mean "layerNormEps"/);
    expect(err({ presets: 'tiny' })).toMatch(/Did you mean "preset"/);
  });

  it('rejects unknown presets and enum values with a suggestion', () => {
    expect(err({ preset: 'vit_b' })).toMatch(/"preset" is "vit_b"; it must be one of .*Did you mean "vit-b"/);
    expect(err({ position: 'rope-2d' })).toMatch(/Did you mean "rope2d"/);
    expect(err({ init: 'xavier_uniform' })).toMatch(/Did you mean "xavier"/);
  });

  it('names the offending key, for callers that map it onto their own config path', () => {
    const keyOf = (partial: object): string | undefined => {
      try {
        transformerConfig(partial as never);
      } catch (e) {
        return (e as TransformerConfigError).key;
      }
      return undefined;
    };
    expect(keyOf({ width: 100, heads: 3 })).toBe('heads');
    expect(keyOf({ widht: 64 })).toBe('widht');
    expect(keyOf({ ropeBase: 0.5 })).toBe('ropeBase');
    expect(keyOf({ position: 'rope3d' })).toBe('position');
  });

  it('explains impossible values', () => {
    expect(err({ width: 100, heads: 3 })).toMatch(/width 100 is not divisible by heads 3/);
    expect(err({ width: 36, heads: 6 })).toMatch(/"rope2d" needs a head dimension \(width \/ heads = 36 \/ 6 = 6\) divisible by 4/);
    expect(transformerConfig({ width: 36, heads: 6, position: 'rope1d' }).width).toBe(36);
    expect(err({ width: 30, heads: 2, position: 'rope1d' })).toMatch(/"rope1d" needs an even head dimension/);
    expect(err({ width: 18, heads: 1, position: 'sincos2d' })).toMatch(/divisible by 4/);
    expect(err({ depth: 0 })).toMatch(/"depth" must be a positive integer/);
    expect(err({ width: 12.5 })).toMatch(/"width" must be a positive integer/);
    expect(err({ dropPath: 1 })).toMatch(/"dropPath" must be a number in \[0, 1\)/);
    expect(err({ mlpRatio: 0.3 })).toMatch(/width · mlpRatio must be an integer/);
    expect(err({ layerNormEps: 0 })).toMatch(/"layerNormEps" must be a finite number > 0/);
    expect(err({ ropeBase: 1 })).toMatch(/"ropeBase" must be a finite number > 1/);
  });
});
