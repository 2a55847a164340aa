"""darl's optimiser semantics in torch: AdamW (torch.optim.AdamW computes exactly darl's update: decoupled decay
`p·(1 − lr·wd)`, then `p − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε)`, ε = 1e-8) with darl's decay mask, moments loaded
from and saved to darl's `m/<path>`, `v/<path>`, and the weight EMA."""
from __future__ import annotations

import re
from typing import Dict, Mapping

import torch

from .config import TrainSpec

# tensor-backend/src/optim/adamw.ts defaultDecay: matrices decay unless the path names a norm, bias, embedding, …
_NO_DECAY = re.compile(r'norm|bias|embed|pos|sos|token', re.IGNORECASE)


def decays(path: str, p: torch.Tensor) -> bool:
    return p.dim() >= 2 and not _NO_DECAY.search(path)


def adamw(named: Mapping[str, torch.nn.Parameter], train: TrainSpec, decay_of: Mapping[str, bool]) -> torch.optim.AdamW:
    """One group with train.weightDecay for decayed paths, one with 0; `named` by darl path."""
    groups = [
        {'params': [p for k, p in named.items() if decay_of[k]], 'weight_decay': train.weight_decay},
        {'params': [p for k, p in named.items() if not decay_of[k]], 'weight_decay': 0.0},
    ]
    return torch.optim.AdamW([g for g in groups if g['params']], lr=train.lr, betas=(train.beta1, train.beta2), eps=1e-8)


def load_moments(opt: torch.optim.Optimizer, named: Mapping[str, torch.nn.Parameter], tensors: Mapping[str, torch.Tensor], step: int) -> None:
    """Sets each parameter's AdamW state from darl's `m/<path>`, `v/<path>` at optimiser step `step`."""
    missing = [k for k in named if f'm/{k}' not in tensors or f'v/{k}' not in tensors]
    if step > 0 and missing:
        raise ValueError(f'optimizer.safetensors lacks the moments of {missing[:3]}; it belongs to another model.')
    for k, p in named.items():
        if f'm/{k}' in tensors:
            opt.state[p] = {'step': torch.tensor(float(step)), 'exp_avg': tensors[f'm/{k}'].to(p.device).clone(),
                            'exp_avg_sq': tensors[f'v/{k}'].to(p.device).clone()}


def moments(opt: torch.optim.Optimizer, named: Mapping[str, torch.nn.Parameter]) -> Dict[str, torch.Tensor]:
    out = {}
    for k, p in named.items():
        s = opt.state.get(p, {})
        out[f'm/{k}'] = s['exp_avg'] if 'exp_avg' in s else torch.zeros_like(p)
        out[f'v/{k}'] = s['exp_avg_sq'] if 'exp_avg_sq' in s else torch.zeros_like(p)
    return out


class Ema:
    """`shadow ← decay·shadow + (1 − decay)·p` after every optimiser step (tensor-backend Ema)."""

    def __init__(self, named: Mapping[str, torch.nn.Parameter], decay: float, shadow: Mapping[str, torch.Tensor] = None):
        self.decay = decay
        self.shadow = {k: (shadow[k] if shadow and k in shadow else p.detach()).to(p.device).clone().float() for k, p in named.items()}

    @torch.no_grad()
    def update(self, named: Mapping[str, torch.nn.Parameter]) -> None:
        for k, p in named.items():
            s = self.shadow[k]
            s.copy_(s * self.decay + p.detach() * (1 - self.decay))
