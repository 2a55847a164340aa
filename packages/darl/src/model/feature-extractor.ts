/**
 * A DARL model as an `@darl/eval` feature extractor, so every evaluation protocol (linear probe sweep, kNN,
 * attentive probe) runs on it. Layer 0 is the input tokens; layer i ∈ 1…depth the residual stream after block i.
 *
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { FeatureExtractor } from '@darl/eval';
import type { DarlModel, DarlParams } from './darl-model.js';
import { extractTokenFeatures } from './features.js';

/** `numLayers` = depth + 1 (input tokens plus every block). */
export function darlFeatureExtractor(model: DarlModel, params: DarlParams): FeatureExtractor {
  return {
    numLayers: model.backbone.depth + 1,
    extract: (images: tf.Tensor4D, opts) => extractTokenFeatures(model, params, images, { layers: opts.layers, attention: opts.attention }),
  };
}
