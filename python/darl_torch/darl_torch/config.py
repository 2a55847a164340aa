"""Everything the twin knows about darl's config.json: turning a run directory's `{"model": …, "train": …}` into the
resolved sizes the twin builds. This is the only module that reads config keys.

darl writes config.json as its validated config (every default filled in). What it does not write out is resolved
here, and nowhere else:
- `model.backbone` names a @darl/transformer preset plus overrides; the preset's values fill the keys the file omits
  (`TRANSFORMER_PRESETS` below mirrors packages/transformer/src/config.ts, and is consulted only for keys absent from
  the file: a config.json holding the full backbone needs no table);
- `patchOrder` of kind `random` is stored as a seed; the permutation is rebuilt with the ported darl Rng (a
  `permutation` written in the file is used as is);
- pixels are scaled to [-1, 1] (`b / 127.5 - 1`, darl's pretraining scale) unless the file names a scale.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional

from .rng import Rng


class ConfigError(ValueError):
    """config.json lacks a key the twin needs or holds a value it cannot build."""


# packages/transformer/src/config.ts TRANSFORMER_PRESETS (COMMON + shape), for config.json files that name a preset.
_COMMON = {'mlpRatio': 4, 'layerNormEps': 1e-6, 'ropeBase': 10_000, 'init': 'trunc-normal', 'dropPath': 0}
TRANSFORMER_PRESETS: Dict[str, Dict[str, Any]] = {
    'tiny': {**_COMMON, 'width': 32, 'depth': 2, 'heads': 2},
    'small': {**_COMMON, 'width': 128, 'depth': 4, 'heads': 4},
    'vit-s': {**_COMMON, 'width': 384, 'depth': 12, 'heads': 6},
    'vit-b': {**_COMMON, 'width': 768, 'depth': 12, 'heads': 12},
    'vit-l': {**_COMMON, 'width': 1024, 'depth': 24, 'heads': 16},
    'vit-h': {**_COMMON, 'width': 1280, 'depth': 32, 'heads': 16},
}
_BACKBONE_KEYS = ('width', 'depth', 'heads', 'mlpRatio', 'layerNormEps', 'ropeBase', 'dropPath')


@dataclass(frozen=True)
class TransformerSpec:
    width: int
    depth: int
    heads: int
    mlp_width: int
    layer_norm_eps: float
    position: str  # rope2d | rope1d | learned | sincos2d | none
    max_tokens: int
    rope_base: float
    drop_path: float

    @property
    def head_dim(self) -> int:
        return self.width // self.heads


@dataclass(frozen=True)
class DiffusionSpec:
    decoder_kind: str  # mlp | transformer
    decoder_depth: int
    decoder_width: int
    decoder_heads: int
    gamma_input: bool
    noise_levels: Mapping[str, Any]
    prediction: str  # x0 | eps | v
    weighting: str  # none | snr | min-snr
    batch_multiplier: int
    snr_clip: float = 5.0

    def decoder_transformer(self) -> TransformerSpec:
        """The inner Transformer of a `transformer` decoder (packages/diffusion/src/transformer-decoder.ts)."""
        return TransformerSpec(self.decoder_width, self.decoder_depth, self.decoder_heads, 4 * self.decoder_width,
                               1e-6, 'none', 2, 10_000, 0.0)


@dataclass(frozen=True)
class ModelSpec:
    height: int
    width: int
    channels: int
    patch_size: int
    permutation: List[int]
    backbone: TransformerSpec
    objective: str  # mse | diffusion
    norm_pix: bool
    diffusion: Optional[DiffusionSpec]  # None for mse
    pixel_scale: Any = 'minus-one-one'

    @property
    def grid(self):
        return self.height // self.patch_size, self.width // self.patch_size

    @property
    def length(self) -> int:
        r, c = self.grid
        return r * c

    @property
    def patch_dim(self) -> int:
        return self.patch_size * self.patch_size * self.channels

    def positions(self):
        """(row, col) of each of the L input tokens: that of the patch it predicts (sequence position t)."""
        cols = self.grid[1]
        return [p // cols for p in self.permutation], [p % cols for p in self.permutation]


@dataclass(frozen=True)
class TrainSpec:
    steps: int
    batch_size: int
    lr: float
    min_lr: float
    warmup_steps: int
    weight_decay: float
    beta1: float
    beta2: float
    clip_norm: float
    accumulate: int
    ema: float
    seed: int
    augment: str
    log_every: int
    checkpoint_every: int
    keep_checkpoints: int


def _need(section: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in section:
        raise ConfigError(f'config.json: "{where}.{key}" is missing; the twin reads the config darl wrote. '
                          'Give the config.json of a darl run directory (darl pretrain --out DIR).')
    return section[key]


def _permutation(order: Mapping[str, Any], rows: int, cols: int) -> List[int]:
    n = rows * cols
    if 'permutation' in order:
        perm = [int(v) for v in order['permutation']]
    elif order.get('kind') == 'raster':
        perm = list(range(n))
    elif order.get('kind') == 'nested':
        block = int(order['block'])
        perm = []
        for br in range(0, rows, block):
            for bc in range(0, cols, block):
                for r in range(br, min(br + block, rows)):
                    perm.extend(r * cols + c for c in range(bc, min(bc + block, cols)))
    elif order.get('kind') == 'random':
        perm = Rng(order['seed']).permutation(n)
    else:
        raise ConfigError(f'config.json: "model.patchOrder" {dict(order)} is not raster, nested, random or custom.')
    if sorted(perm) != list(range(n)):
        raise ConfigError(f'config.json: "model.patchOrder" must list each of the {n} patches once, got {perm}.')
    return perm


def model_spec(model: Mapping[str, Any]) -> ModelSpec:
    """Resolves `config.json`'s `model` section."""
    image = _need(model, 'image', 'model')
    h, w, c = (int(_need(image, k, 'model.image')) for k in ('height', 'width', 'channels'))
    p = int(_need(model, 'patchSize', 'model'))
    if h % p or w % p:
        raise ConfigError(f'config.json: patchSize {p} does not divide the {h}×{w} image.')
    rows, cols = h // p, w // p
    bb = dict(_need(model, 'backbone', 'model'))
    preset = TRANSFORMER_PRESETS.get(bb.get('preset', ''), {}) if any(k not in bb for k in _BACKBONE_KEYS) else {}
    if any(k not in bb for k in _BACKBONE_KEYS) and not preset:
        raise ConfigError(f'config.json: "model.backbone" {bb} neither lists {", ".join(_BACKBONE_KEYS)} nor names a known preset '
                          f'({", ".join(TRANSFORMER_PRESETS)}).')
    get = lambda k: bb[k] if k in bb else preset[k]  # noqa: E731
    width = int(get('width'))
    backbone = TransformerSpec(width=width, depth=int(get('depth')), heads=int(get('heads')),
                               mlp_width=int(round(width * float(get('mlpRatio')))),
                               layer_norm_eps=float(get('layerNormEps')), position=str(bb.get('position', _need(model, 'position', 'model'))),
                               max_tokens=int(bb.get('maxTokens', max(rows * cols, 1))), rope_base=float(get('ropeBase')),
                               drop_path=float(get('dropPath')))
    objective = str(_need(model, 'objective', 'model'))
    if objective not in ('mse', 'diffusion'):
        raise ConfigError(f'config.json: "model.objective" is {objective!r}; the twin implements mse and diffusion.')
    diffusion = _diffusion_spec(_need(model, 'diffusion', 'model')) if objective == 'diffusion' else None
    return ModelSpec(height=h, width=w, channels=c, patch_size=p, permutation=_permutation(_need(model, 'patchOrder', 'model'), rows, cols),
                     backbone=backbone, objective=objective, norm_pix=bool(_need(model, 'normPix', 'model')),
                     diffusion=diffusion, pixel_scale=model.get('pixelScale', 'minus-one-one'))


def _diffusion_spec(d: Mapping[str, Any]) -> DiffusionSpec:
    dec = _need(d, 'decoder', 'model.diffusion')
    return DiffusionSpec(decoder_kind=str(dec['kind']), decoder_depth=int(dec['depth']), decoder_width=int(dec['width']),
                         decoder_heads=int(dec['heads']), gamma_input=bool(dec['gammaInput']),
                         noise_levels=dict(d['noiseLevels']), prediction=str(d['prediction']), weighting=str(d['weighting']),
                         batch_multiplier=int(d['batchMultiplier']), snr_clip=float(d.get('snrClip', 5.0)))


def train_spec(train: Mapping[str, Any]) -> TrainSpec:
    """Resolves `config.json`'s `train` section (darl writes every key)."""
    g = lambda k: _need(train, k, 'train')  # noqa: E731
    return TrainSpec(steps=int(g('steps')), batch_size=int(g('batchSize')), lr=float(g('lr')), min_lr=float(g('minLr')),
                     warmup_steps=int(g('warmupSteps')), weight_decay=float(g('weightDecay')), beta1=float(g('beta1')),
                     beta2=float(g('beta2')), clip_norm=float(g('clipNorm')), accumulate=int(g('accumulate')), ema=float(g('ema')),
                     seed=int(g('seed')), augment=str(g('augment')),
                     log_every=int(g('logEvery')), checkpoint_every=int(g('checkpointEvery')),
                     keep_checkpoints=int(g('keepCheckpoints')))


def lr_at(train: TrainSpec, step: int) -> float:
    """darl's warm-up + cosine learning rate of 0-based optimiser step `step` (tensor-backend warmupCosine)."""
    warmup = min(train.warmup_steps, train.steps)
    final = min(train.min_lr, train.lr)
    if step < warmup:
        return train.lr * min(1.0, (step + 1) / warmup)
    decay = train.steps - warmup
    if step >= train.steps or decay == 0:
        return final
    return final + (train.lr - final) * 0.5 * (1 + math.cos(math.pi * (step - warmup) / decay))


def pixel_lut(scale: Any, channels: int):
    """Byte → float lookup per channel, `[channels][256]` (patch-data pixelLookupTable)."""
    if scale == 'minus-one-one':
        return [[b / 127.5 - 1 for b in range(256)] for _ in range(channels)]
    if scale == 'unit':
        return [[b / 255 for b in range(256)] for _ in range(channels)]
    if isinstance(scale, Mapping):
        return [[(b / 255 - scale['mean'][ch]) / scale['std'][ch] for b in range(256)] for ch in range(channels)]
    raise ConfigError(f'config.json: pixel scale {scale!r} is not minus-one-one, unit or {{mean, std}}.')


def augment_options(train: TrainSpec) -> Optional[Dict[str, Any]]:
    """darl pretrain's mapping of `train.augment` to patch-data augmentations."""
    if train.augment == 'none':
        return None
    return {'crop_padding': 2 if 'crop' in train.augment else None, 'flip': 'flip' in train.augment}


if __name__ == '__main__':  # prints the preset table (darl's tests compare it with @darl/transformer's)
    import json
    print(json.dumps(TRANSFORMER_PRESETS))
