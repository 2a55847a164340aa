"""Loading and saving the twin's parameters, EMA and AdamW state in darl's names (on top of run_dir)."""
from __future__ import annotations

from typing import Dict, Mapping, Optional

import torch
from torch import nn

from .model import darl_names


class CheckpointMismatch(ValueError):
    """The tensors of a run directory do not match the model its config.json describes."""


def load_params(model: nn.Module, tensors: Mapping[str, torch.Tensor], prefix: str = '', source: str = 'model.safetensors') -> None:
    """Copies `prefix + darl path` tensors into the model; every parameter must be present with its shape."""
    problems = []
    named = darl_names(model)
    for name, p in named.items():
        t = tensors.get(prefix + name)
        if t is None:
            problems.append(f'missing "{prefix}{name}"')
        elif tuple(t.shape) != tuple(p.shape):
            problems.append(f'"{prefix}{name}" has shape {list(t.shape)} but the model needs {list(p.shape)}')
    extra = [k for k in tensors if k.startswith(prefix) and (prefix or not k.startswith('ema/')) and k[len(prefix):] not in named]
    problems += [f'unexpected "{k}"' for k in extra]
    if problems:
        raise CheckpointMismatch(f'{source} does not match the model built from its config.json ({"; ".join(problems[:5])}).')
    with torch.no_grad():
        for name, p in named.items():
            p.copy_(tensors[prefix + name].to(p.device, p.dtype))


def model_tensors(params: Mapping[str, torch.Tensor], ema: Optional[Mapping[str, torch.Tensor]] = None) -> Dict[str, torch.Tensor]:
    """model.safetensors contents: parameters by darl path, plus `ema/<path>`."""
    out = {k: v.detach().float().cpu() for k, v in params.items()}
    for k, v in (ema or {}).items():
        out[f'ema/{k}'] = v.detach().float().cpu()
    return out

