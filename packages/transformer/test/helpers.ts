// Shared test helpers: the golden fixture and small model builders.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { transformerConfig, type TransformerConfig, type PositionEncoding } from '../src/config.js';
import type { TransformerParams } from '../src/transformer.js';
import type { TokenPositions } from '../src/positions.js';

export interface GoldenCase {
  position: PositionEncoding;
  attention: 'causal' | 'full';
  output: number[];
  hidden: number[][];
  tokensGrad: number[];
}

export interface Golden {
  config: { width: number; heads: number; depth: number; mlpRatio: number; layerNormEps: number; ropeBase: number; maxTokens: number };
  batch: number;
  length: number;
  rows: number[];
  cols: number[];
  weights: Record<string, { shape: number[]; data: number[] }>;
  tokens: number[];
  probe: number[];
  cases: GoldenCase[];
  presetParameterCounts: Record<string, number>;
}

export const golden: Golden = JSON.parse(readFileSync(new URL('../fixtures/golden.json', import.meta.url), 'utf8')) as Golden;

export function goldenConfig(position: PositionEncoding): TransformerConfig {
  return transformerConfig({ ...golden.config, position });
}

export function goldenPositions(): TokenPositions {
  return { rows: Int32Array.from(golden.rows), cols: Int32Array.from(golden.cols) };
}

/** The fixture's weights as a params tree (plain tensors; dispose with disposeTree). */
export function goldenParams(position: PositionEncoding): TransformerParams<tf.Tensor> {
  const t = (k: string): tf.Tensor => {
    const w = golden.weights[k];
    if (!w) throw new Error(`fixture has no weight ${k}`);
    return tf.tensor(w.data, w.shape, 'float32');
  };
  const blocks = Array.from({ length: golden.config.depth }, (_, i) => {
    const p = `blocks/${i}/`;
    return {
      norm1: { gamma: t(`${p}norm1/gamma`), beta: t(`${p}norm1/beta`) },
      attn: { wqkv: t(`${p}attn/wqkv`), bqkv: t(`${p}attn/bqkv`), wo: t(`${p}attn/wo`), bo: t(`${p}attn/bo`) },
      norm2: { gamma: t(`${p}norm2/gamma`), beta: t(`${p}norm2/beta`) },
      mlp: { w1: t(`${p}mlp/w1`), b1: t(`${p}mlp/b1`), w2: t(`${p}mlp/w2`), b2: t(`${p}mlp/b2`) },
    };
  });
  return { blocks, norm: { gamma: t('norm/gamma'), beta: t('norm/beta') }, ...(position === 'learned' ? { pos: t('pos') } : {}) };
}
