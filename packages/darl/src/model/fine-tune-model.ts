/**
 * A DARL model as an `@darl/eval` fine-tunable backbone: full attention over the whole image (`readoutTokens`),
 * mean-pooled final output,
 * layer index per parameter for layer-wise LR decay (patch embedding, SOS and position table → 0; block i → i + 1;
 * final LayerNorm → depth + 1). The generative head is not part of it.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { FineTuneModel } from '@darl/eval';
import type { TensorTree } from '@darl/tensor-backend';
import type { DarlModel, DarlParams } from './darl-model.js';
import { readoutTokens } from './features.js';

/** Wraps `params` (trained in place) for `fineTune`. */
export function darlFineTuneModel(model: DarlModel, params: DarlParams): FineTuneModel {
  const depth = model.backbone.depth;
  return {
    params: { embed: params.embed, sos: params.sos, backbone: params.backbone } as unknown as TensorTree<tf.Variable>,
    numLayers: depth,
    featureDim: model.backbone.width,
    layerOf(path: string): number {
      if (path.startsWith('embed/') || path === 'sos' || path === 'backbone/pos') return 0;
      const m = /^backbone\/blocks\/(\d+)\//.exec(path);
      if (m) return Number(m[1]) + 1;
      if (path.startsWith('backbone/')) return depth + 1;
      throw new Error(`darlFineTuneModel: no layer known for parameter "${path}".`);
    },
    forward(images, { training, rng }) {
      return tf.tidy(() => {
        const { tokens, positions } = readoutTokens(model, params, images);
        const { output } = model.backbone.apply(params.backbone, tokens, {
          positions,
          attention: 'full',
          ...(training && rng ? { rng } : {}),
        });
        return tf.mean(output, 1) as tf.Tensor2D;
      });
    },
  };
}
