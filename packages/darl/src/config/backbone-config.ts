/**
 * The default Transformer backbone's config, resolved once per parsed config: the run-config schema resolves it to
 * check the head's width, and the model builder, the heap check and `config.json`'s resolved sizes reuse that result.
 *
 * @module
 */
import { transformerConfig, type PositionEncoding, type TransformerConfig, type TransformerPresetName } from '@darl/transformer';

/** What the backbone resolves from: a parsed model config's `backbone` section and `position`. */
export interface BackboneSource {
  /** The `model.backbone` section: a preset and the fields that override it. */
  readonly backbone: Partial<Omit<TransformerConfig, 'position' | 'maxTokens'>> & {
    /** The @darl/transformer preset the other fields override. */
    readonly preset: TransformerPresetName;
  };
  /** The `model.position` encoding. */
  readonly position: PositionEncoding;
}

/** Resolved configs by the parsed `backbone` section they came from, then by `position` and sequence length. */
const resolved = new WeakMap<object, Map<string, TransformerConfig>>();

/**
 * Resolves the default Transformer backbone's config from a DARL config (its `backbone` section, `position`, and the
 * sequence length). A config section is immutable once parsed, so the result is kept with the section: each parsed
 * config resolves its backbone once, however many callers ask.
 */
export function backboneConfigFor(config: BackboneSource, length: number): TransformerConfig {
  const key = `${config.position}:${Math.max(length, 1)}`;
  let byKey = resolved.get(config.backbone);
  const hit = byKey?.get(key);
  if (hit) return hit;
  const { preset, ...overrides } = config.backbone;
  const t = transformerConfig({ preset, ...overrides, position: config.position, maxTokens: Math.max(length, 1) });
  if (!byKey) resolved.set(config.backbone, (byKey = new Map()));
  byKey.set(key, t);
  return t;
}
