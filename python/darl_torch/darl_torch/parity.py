"""Parity check against darl: `python3 -m darl_torch.parity CASE_DIR…` prints a JSON list, one object per case.

Each CASE_DIR (written by darl's parity test) is a run directory that also holds `batch.safetensors` (`images` [B, H, W, Ch] scaled, `eps`
[K·N, D] for diffusion, and darl's `grad/<path>` for every parameter), and `batch.json` (`loss`, and `gamma`, the
float64 noise levels of the draws). The twin loads the checkpoint, computes the loss and its gradients on the same
batch and noise, and reports the loss difference and, per tensor, `|g_twin − g_darl|_max / |g_darl|_max`.
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np
import torch

from .checkpoint import load_params
from .config import model_spec
from .model import DarlTorch, darl_names
from .run_dir import read_checkpoint
from .safetensors_io import read_safetensors


def check(run_dir: str, fixture: str) -> dict:
    """Twin loss and gradients for one case, compared with darl's."""
    ck = read_checkpoint(run_dir)
    model = DarlTorch(model_spec(ck.run['model']))
    load_params(model, ck.model)
    tensors, _ = read_safetensors(os.path.join(fixture, 'batch.safetensors'))
    with open(os.path.join(fixture, 'batch.json'), encoding='utf-8') as f:
        meta = json.load(f)
    gamma = np.asarray(meta['gamma'], dtype=np.float64) if meta.get('gamma') is not None else None
    loss, _ = model(tensors['images'], gamma=gamma, eps=tensors.get('eps'))
    loss.backward()
    worst = {'name': None, 'rel': 0.0}
    total_diff = total_ref = 0.0
    for name, p in darl_names(model).items():
        ref = tensors[f'grad/{name}'].double()
        got = p.grad.double() if p.grad is not None else torch.zeros_like(ref)
        diff = (got - ref).abs().max().item()
        scale = ref.abs().max().item()
        rel = diff / scale if scale > 0 else diff
        total_diff += ((got - ref) ** 2).sum().item()
        total_ref += (ref ** 2).sum().item()
        if rel > worst['rel'] or worst['name'] is None:
            worst = {'name': name, 'rel': rel, 'abs': diff, 'scale': scale}
    out = {
        'lossDarl': meta['loss'],
        'lossTwin': loss.item(),
        'lossRel': abs(loss.item() - meta['loss']) / abs(meta['loss']),
        'gradRelGlobal': (total_diff / total_ref) ** 0.5 if total_ref > 0 else 0.0,
        'gradWorst': worst,
        'tensors': len(darl_names(model)),
    }
    return out


def main(argv=None) -> int:
    torch.set_num_threads(1)
    print(json.dumps([check(d, d) for d in (argv or sys.argv[1:])]))
    return 0


if __name__ == '__main__':
    sys.exit(main())
