"""The DARL model in PyTorch, written against darl's TypeScript sources (packages/transformer, packages/diffusion,
packages/darl/src/model). Parameters carry darl's names and layouts: the module path `backbone.blocks.0.attn.wqkv`
is darl's tensor `backbone/blocks/0/attn/wqkv`, and every Linear weight is stored `[in, out]` (`y = x @ w + b`).

Glossary: B batch, H×W×Ch image, P patch, L patches, D = P·P·Ch, C backbone width, N = B·L targets, K noise draws.
"""
from __future__ import annotations

import math
from typing import Dict, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .config import DiffusionSpec, ModelSpec, TransformerSpec
from . import noise

MASKED_SCORE = -1e9


def darl_names(module: nn.Module) -> Dict[str, nn.Parameter]:
    """Parameters by darl tensor name (`embed/w`, `backbone/blocks/0/attn/wqkv`, …)."""
    return {name.replace('.', '/'): p for name, p in module.named_parameters()}


class Linear(nn.Module):
    """`x @ w + b`, w `[in, out]` (darl's layout), b `[out]`."""

    def __init__(self, fan_in: int, fan_out: int):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(fan_in, fan_out))
        self.b = nn.Parameter(torch.zeros(fan_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.w + self.b


class LayerNorm(nn.Module):
    """LayerNorm over the last axis with biased variance; `gamma`, `beta` `[D]`."""

    def __init__(self, width: int, eps: float):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(width))
        self.beta = nn.Parameter(torch.zeros(width))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.layer_norm(x, x.shape[-1:], self.gamma, self.beta, self.eps)


def rope_tables(positions, head_dim: int, base: float) -> Tuple[torch.Tensor, torch.Tensor]:
    """cos and signed sin `[L, dh]` (float64 → float32), one section per position array (rotate-half pairing)."""
    sections = len(positions)
    m = head_dim // sections
    half = m // 2
    L = len(positions[0])
    cos = np.zeros((L, head_dim))
    sin = np.zeros((L, head_dim))
    freq = np.power(float(base), -2.0 * np.arange(half) / m)
    for s in range(sections):
        angle = np.asarray(positions[s], dtype=np.float64)[:, None] * freq[None, :]
        cos[:, s * m:s * m + half] = np.cos(angle)
        cos[:, s * m + half:(s + 1) * m] = np.cos(angle)
        sin[:, s * m:s * m + half] = -np.sin(angle)
        sin[:, s * m + half:(s + 1) * m] = np.sin(angle)
    return torch.tensor(cos, dtype=torch.float32), torch.tensor(sin, dtype=torch.float32)


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, sections: int) -> torch.Tensor:
    """`x ⊙ cos + swap(x) ⊙ sin±`, swap exchanging the halves of each section. x `[..., L, dh]`."""
    parts = []
    for chunk in x.chunk(sections, dim=-1):
        a, b = chunk.chunk(2, dim=-1)
        parts += [b, a]
    return x * cos + torch.cat(parts, dim=-1) * sin


def sincos2d_table(rows, cols, width: int) -> torch.Tensor:
    """MAE-style fixed table `[L, D]`: first half encodes the column, second the row, each `[sin, cos]`."""
    q = width // 4
    omega = np.power(10_000.0, -np.arange(q) / q)
    out = []
    for coord in (np.asarray(cols, dtype=np.float64), np.asarray(rows, dtype=np.float64)):
        angle = coord[:, None] * omega[None, :]
        out += [np.sin(angle), np.cos(angle)]
    return torch.tensor(np.concatenate(out, axis=1), dtype=torch.float32)


class Attention(nn.Module):
    def __init__(self, spec: TransformerSpec):
        super().__init__()
        D = spec.width
        self.wqkv = nn.Parameter(torch.zeros(D, 3 * D))
        self.bqkv = nn.Parameter(torch.zeros(3 * D))
        self.wo = nn.Parameter(torch.zeros(D, D))
        self.bo = nn.Parameter(torch.zeros(D))
        self.heads = spec.heads

    def forward(self, x, rope, mask):
        B, L, D = x.shape
        H = self.heads
        dh = D // H
        qkv = (x @ self.wqkv + self.bqkv).reshape(B, L, 3, H, dh).permute(2, 0, 3, 1, 4)  # [3, B, H, L, dh]
        q, k, v = qkv[0], qkv[1], qkv[2]
        if rope is not None:
            cos, sin, sections = rope
            q, k = apply_rope(q, cos, sin, sections), apply_rope(k, cos, sin, sections)
        scores = (q * (1 / math.sqrt(dh))) @ k.transpose(-1, -2)  # [B, H, L, L]
        if mask is not None:
            scores = scores + mask
        out = (scores.softmax(-1) @ v).transpose(1, 2).reshape(B, L, D)
        return out @ self.wo + self.bo


class Mlp(nn.Module):
    def __init__(self, spec: TransformerSpec):
        super().__init__()
        self.w1 = nn.Parameter(torch.zeros(spec.width, spec.mlp_width))
        self.b1 = nn.Parameter(torch.zeros(spec.mlp_width))
        self.w2 = nn.Parameter(torch.zeros(spec.mlp_width, spec.width))
        self.b2 = nn.Parameter(torch.zeros(spec.width))

    def forward(self, x):
        return F.gelu(x @ self.w1 + self.b1) @ self.w2 + self.b2


def drop_path(x: torch.Tensor, rate: float, generator: Optional[torch.Generator]) -> torch.Tensor:
    """Stochastic depth per sequence (timm), active only with a generator."""
    if generator is None or rate <= 0:
        return x
    keep = (torch.rand(x.shape[0], generator=generator, device=generator.device) >= rate).to(x.dtype) / (1 - rate)
    return x * keep.view(-1, *([1] * (x.dim() - 1)))


class Block(nn.Module):
    def __init__(self, spec: TransformerSpec, rate: float):
        super().__init__()
        self.norm1 = LayerNorm(spec.width, spec.layer_norm_eps)
        self.attn = Attention(spec)
        self.norm2 = LayerNorm(spec.width, spec.layer_norm_eps)
        self.mlp = Mlp(spec)
        self.rate = rate

    def forward(self, x, rope, mask, generator):
        x = x + drop_path(self.attn(self.norm1(x), rope, mask), self.rate, generator)
        return x + drop_path(self.mlp(self.norm2(x)), self.rate, generator)


class Transformer(nn.Module):
    """@darl/transformer: position encoding → `depth` pre-LN blocks → final LayerNorm."""

    def __init__(self, spec: TransformerSpec):
        super().__init__()
        self.spec = spec
        n = spec.depth
        self.blocks = nn.ModuleList(Block(spec, spec.drop_path if n <= 1 else spec.drop_path * i / (n - 1)) for i in range(n))
        self.norm = LayerNorm(spec.width, spec.layer_norm_eps)
        if spec.position == 'learned':
            self.pos = nn.Parameter(torch.zeros(spec.max_tokens, spec.width))

    def forward(self, x, rows, cols, causal: bool = True, generator=None, return_hidden: bool = False):
        """x `[B, L, C]`; rows/cols: grid position of each token. Returns `[B, L, C]` (and the residual streams)."""
        L = x.shape[1]
        s = self.spec
        rope = None
        if s.position == 'learned':
            x = x + self.pos[:L]
        elif s.position == 'sincos2d':
            x = x + sincos2d_table(rows, cols, s.width).to(x.device)
        elif s.position in ('rope2d', 'rope1d'):
            pos = [rows, cols] if s.position == 'rope2d' else [list(range(L))]
            cos, sin = rope_tables(pos, s.head_dim, s.rope_base)
            rope = (cos.to(x.device), sin.to(x.device), len(pos))
        mask = torch.triu(torch.full((L, L), MASKED_SCORE, device=x.device), 1) if causal and L > 1 else None
        hidden = []
        for block in self.blocks:
            x = block(x, rope, mask, generator)
            hidden.append(x)
        out = self.norm(x)
        return (out, hidden) if return_hidden else out


class GammaEmbedding(nn.Module):
    """fc2(silu(fc1(features(γ)))), features = DiT's 256 sinusoids of γ's log-SNR pseudo-time."""

    def __init__(self, width: int):
        super().__init__()
        self.fc1 = Linear(noise.GAMMA_FEATURES, width)
        self.fc2 = Linear(width, width)

    def forward(self, gamma: np.ndarray, device) -> torch.Tensor:
        feats = torch.tensor(noise.gamma_features(gamma), dtype=torch.float32, device=device)
        return self.fc2(F.silu(self.fc1(feats)))


def _modulate(x, shift, scale):
    return x * (scale + 1) + shift


class AdaLnBlock(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.norm = LayerNorm(width, 1e-6)
        self.fc1 = Linear(width, width)
        self.fc2 = Linear(width, width)
        self.modulation = Linear(width, 3 * width)


class MlpAdaLnDecoder(nn.Module):
    """packages/diffusion/src/mlp-adaln-decoder.ts."""

    def __init__(self, d: DiffusionSpec, patch_dim: int, cond_dim: int):
        super().__init__()
        W = d.decoder_width
        self.inputProj = Linear(patch_dim, W)
        self.condEmbed = Linear(cond_dim, W)
        if d.gamma_input:
            self.gammaEmbed = GammaEmbedding(W)
        self.blocks = nn.ModuleList(AdaLnBlock(W) for _ in range(d.decoder_depth))
        self.finalModulation = Linear(W, 2 * W)
        self.outProj = Linear(W, patch_dim)
        self.width = W

    def forward(self, noisy, cond, gamma: np.ndarray):
        W = self.width
        h = self.inputProj(noisy)
        y = self.condEmbed(cond)
        if hasattr(self, 'gammaEmbed'):
            y = y + self.gammaEmbed(gamma, noisy.device)
        sy = F.silu(y)
        for b in self.blocks:
            shift, scale, gate = b.modulation(sy).split(W, dim=-1)
            u = _modulate(b.norm(h), shift, scale)
            h = h + gate * b.fc2(F.silu(b.fc1(u)))
        shift, scale = self.finalModulation(sy).split(W, dim=-1)
        return self.outProj(_modulate(F.layer_norm(h, (W,), eps=1e-6), shift, scale))


class TransformerDecoder(nn.Module):
    """packages/diffusion/src/transformer-decoder.ts: [condition, noisy patch] through a full-attention Transformer."""

    def __init__(self, d: DiffusionSpec, patch_dim: int, cond_dim: int):
        super().__init__()
        W = d.decoder_width
        self.inputProj = Linear(patch_dim, W)
        self.condEmbed = Linear(cond_dim, W)
        if d.gamma_input:
            self.gammaEmbed = GammaEmbedding(W)
        self.transformer = Transformer(d.decoder_transformer())
        self.outProj = Linear(W, patch_dim)

    def forward(self, noisy, cond, gamma: np.ndarray):
        token = self.inputProj(noisy)
        if hasattr(self, 'gammaEmbed'):
            token = token + self.gammaEmbed(gamma, noisy.device)
        tokens = torch.stack([self.condEmbed(cond), token], dim=1)  # [N, 2, W]
        out = self.transformer(tokens, [0, 0], [0, 1], causal=False)
        return self.outProj(out[:, 1])


class MseHead(nn.Module):
    def __init__(self, width: int, patch_dim: int):
        super().__init__()
        self.out = Linear(width, patch_dim)

    def per_target(self, targets, cond, **_):
        return ((self.out(cond) - targets) ** 2).mean(1), None


class DiffusionHead(nn.Module):
    """packages/diffusion/src/diffusion-loss.ts: K noisy copies per target, regressed onto the prediction target."""

    def __init__(self, d: DiffusionSpec, width: int, patch_dim: int):
        super().__init__()
        self.spec = d
        self.decoder = (MlpAdaLnDecoder if d.decoder_kind == 'mlp' else TransformerDecoder)(d, patch_dim, width)

    def per_target(self, targets, cond, gamma: np.ndarray, eps: torch.Tensor):
        """gamma float64 `[K·N]`, eps `[K·N, D]` (draw-major). Returns per-draw loss `[K·N]` and gamma."""
        d = self.spec
        K = d.batch_multiplier
        x0 = targets.repeat(K, 1)
        c = cond.repeat(K, 1)
        g = noise.clamp_gamma(gamma)
        a = torch.tensor(np.sqrt(g), dtype=torch.float32, device=x0.device)[:, None]
        s = torch.tensor(np.sqrt(1 - g), dtype=torch.float32, device=x0.device)[:, None]
        out = self.decoder(a * x0 + s * eps, c, gamma)
        target = x0 if d.prediction == 'x0' else eps if d.prediction == 'eps' else a * eps - s * x0
        per = ((out - target) ** 2).mean(1)
        if d.weighting != 'none':
            w = noise.loss_weights(d.weighting, d.prediction, gamma, d.snr_clip)
            per = per * torch.tensor(w, dtype=torch.float32, device=per.device)
        return per, gamma


def patchify(images: torch.Tensor, p: int) -> torch.Tensor:
    """`[B, H, W, Ch]` → `[B, L, P·P·Ch]`, raster order, pixels row-major inside a patch, channels last."""
    B, H, W, C = images.shape
    x = images.reshape(B * (H // p), p, W // p, p * C).permute(0, 2, 1, 3)
    return x.reshape(B, (H // p) * (W // p), p * p * C)


def norm_pix(patches: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Each patch standardised by its own mean and unbiased variance (MAE's norm-pix)."""
    mean = patches.mean(-1, keepdim=True)
    var = patches.var(-1, keepdim=True, unbiased=True)
    return (patches - mean) / torch.sqrt(var + eps)


class DarlTorch(nn.Module):
    """The twin of darl's `buildDarl(config)`: parameters `embed`, `sos`, `backbone`, `head`."""

    def __init__(self, spec: ModelSpec):
        super().__init__()
        self.spec = spec
        C = spec.backbone.width
        self.embed = Linear(spec.patch_dim, C)
        self.sos = nn.Parameter(torch.zeros(1, 1, C))
        self.backbone = Transformer(spec.backbone)
        self.head = MseHead(C, spec.patch_dim) if spec.objective == 'mse' else DiffusionHead(spec.diffusion, C, spec.patch_dim)
        self.register_buffer('permutation', torch.tensor(spec.permutation, dtype=torch.long), persistent=False)
        self.rows, self.cols = spec.positions()

    def patch_sequence(self, images: torch.Tensor) -> torch.Tensor:
        """images `[B, H, W, Ch]` (scaled) → patches `[B, L, D]` in the model's order."""
        return patchify(images, self.spec.patch_size)[:, self.permutation]

    def conditions(self, patches: torch.Tensor, generator=None, causal: bool = True, return_hidden: bool = False):
        """`[SOS, embed(p1) … embed(p(L−1))]` through the backbone: `[B, L, C]`."""
        B = patches.shape[0]
        tokens = torch.cat([self.sos.expand(B, 1, -1), self.embed(patches[:, :-1])], dim=1)
        return self.backbone(tokens, self.rows, self.cols, causal=causal, generator=generator, return_hidden=return_hidden)

    def forward(self, images: torch.Tensor, gamma: Optional[np.ndarray] = None, eps: Optional[torch.Tensor] = None,
                generator: Optional[torch.Generator] = None):
        """The DARL training loss. Returns `(loss, per_target [K·N])`. Diffusion needs `gamma` `[K·N]` and `eps` `[K·N, D]`
        (draw-major, N = B·L); `generator` enables drop-path."""
        patches = self.patch_sequence(images)
        B, L, D = patches.shape
        targets = norm_pix(patches) if self.spec.norm_pix else patches
        cond = self.conditions(patches, generator).reshape(B * L, -1)
        if self.spec.objective == 'mse':
            per, _ = self.head.per_target(targets.reshape(B * L, D), cond)
        else:
            per, _ = self.head.per_target(targets.reshape(B * L, D), cond, gamma=gamma, eps=eps)
        return per.mean(), per

