/**
 * The fully resolved run config that `config.json` records: the backbone's every size (the preset kept only as a
 * label), its LayerNorm eps and RoPE base, and the patch order's permutation — so a reader in any language can
 * rebuild the model from the run directory alone, without darl's preset table or RNG. Parsing it again gives the
 * same model.
 *
 * @module
 */
import { patchOrderFor } from '../model/darl-model.js';
import { backboneConfigFor } from './backbone-config.js';
import type { RunConfig } from './schema.js';

/** `run` with `model.backbone` filled from the transformer config it resolves to and `model.patchOrder.permutation` set. */
export function resolveRunConfig(run: RunConfig): RunConfig {
  const m = run.model;
  const rows = m.image.height / m.patchSize;
  const cols = m.image.width / m.patchSize;
  const t = backboneConfigFor(m, rows * cols);
  const permutation = Array.from(patchOrderFor(m, rows, cols).permutation);
  return {
    ...run,
    model: {
      ...m,
      backbone: {
        preset: m.backbone.preset,
        width: t.width,
        depth: t.depth,
        heads: t.heads,
        mlpRatio: t.mlpRatio,
        layerNormEps: t.layerNormEps,
        ropeBase: t.ropeBase,
        init: t.init,
        dropPath: t.dropPath,
      },
      patchOrder: { ...m.patchOrder, permutation },
    },
  };
}
