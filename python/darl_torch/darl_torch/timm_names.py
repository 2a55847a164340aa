"""darl backbone tensors → timm / Hugging Face-style ViT names and layouts, for users who load the weights into their
own ViT (`timm.models.vision_transformer.VisionTransformer` naming).

What maps: the patch embedding (a `[P·P·Ch, C]` matrix in darl, a `[C, Ch, P, P]` convolution in timm), every
block (LayerNorms, fused qkv, output projection, MLP), the final norm, a learned position table, and the SOS token
(as `cls_token`: it is the first token of darl's input sequence). Linear weights are transposed to PyTorch's
`[out, in]`. What does not: darl's position encodings other than `learned` are computed, not stored (a timm ViT
using them needs RoPE / sin-cos code of its own), and darl's backbone runs causal attention in pretraining. The heads
(`head/…`) have no timm counterpart and are left out.
"""
from __future__ import annotations

import re
from typing import Dict, Mapping

import torch

_BLOCK = {
    'norm1/gamma': ('norm1.weight', False), 'norm1/beta': ('norm1.bias', False),
    'attn/wqkv': ('attn.qkv.weight', True), 'attn/bqkv': ('attn.qkv.bias', False),
    'attn/wo': ('attn.proj.weight', True), 'attn/bo': ('attn.proj.bias', False),
    'norm2/gamma': ('norm2.weight', False), 'norm2/beta': ('norm2.bias', False),
    'mlp/w1': ('mlp.fc1.weight', True), 'mlp/b1': ('mlp.fc1.bias', False),
    'mlp/w2': ('mlp.fc2.weight', True), 'mlp/b2': ('mlp.fc2.bias', False),
}


def to_timm_vit(tensors: Mapping[str, torch.Tensor], patch_size: int, channels: int) -> Dict[str, torch.Tensor]:
    """darl tensors (`embed/w`, `sos`, `backbone/…`; e.g. model.safetensors, or `ema/`-stripped EMA weights) → timm names."""
    out: Dict[str, torch.Tensor] = {}
    w = tensors['embed/w']  # [P·P·Ch, C], rows ordered (row in patch, column in patch, channel)
    C = w.shape[1]
    out['patch_embed.proj.weight'] = w.t().reshape(C, patch_size, patch_size, channels).permute(0, 3, 1, 2).contiguous()
    out['patch_embed.proj.bias'] = tensors['embed/b'].clone()
    out['cls_token'] = tensors['sos'].reshape(1, 1, C).clone()
    for name, t in tensors.items():
        m = re.fullmatch(r'backbone/blocks/(\d+)/(.+)', name)
        if m and m.group(2) in _BLOCK:
            target, transpose = _BLOCK[m.group(2)]
            out[f'blocks.{m.group(1)}.{target}'] = (t.t() if transpose else t).contiguous().clone()
    out['norm.weight'] = tensors['backbone/norm/gamma'].clone()
    out['norm.bias'] = tensors['backbone/norm/beta'].clone()
    if 'backbone/pos' in tensors:
        out['pos_embed'] = tensors['backbone/pos'].unsqueeze(0).clone()
    return out
