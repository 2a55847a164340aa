"""The `--strategy fsdp` path of darl_torch.train: the model fully sharded (FSDP with `use_orig_params`, so darl's
parameter names and decay mask survive), darl's moments loaded into and gathered out of the sharded optimiser.

Needs torch ≥ 2.1 (the FQN-keyed `FSDP.optim_state_dict` API). Not exercised in CI: Debian bookworm's torch 1.13
cannot import torch.distributed.fsdp under Python 3.11. EMA is not kept under FSDP.
"""
from __future__ import annotations

from typing import Dict, Mapping, Tuple

import torch

from .config import TrainSpec
from .optim import adamw

_PREFIX = '_fsdp_wrapped_module.'


def _darl(fqn: str) -> str:
    return fqn.replace(_PREFIX, '').replace('.', '/')


def _torch_version() -> Tuple[int, int]:
    major, minor = torch.__version__.split('.')[:2]
    return int(major), int(''.join(ch for ch in minor if ch.isdigit()) or 0)


def wrap_fsdp(model: torch.nn.Module, train: TrainSpec, decay_of: Mapping[str, bool], optimizer: Mapping[str, torch.Tensor], step: int):
    """Returns (FSDP module, parameters by darl path, AdamW with darl's moments at `step`)."""
    if _torch_version() < (2, 1):
        raise ValueError(f'--strategy fsdp needs torch >= 2.1 (this is {torch.__version__}); use --strategy ddp.')
    from torch.distributed.fsdp import FullyShardedDataParallel as FSDP

    device_id = torch.cuda.current_device() if torch.cuda.is_available() else None
    wrapped = FSDP(model, use_orig_params=True, device_id=device_id)
    named = {_darl(k): p for k, p in wrapped.named_parameters()}
    opt = adamw(named, train, decay_of)
    if step > 0 and optimizer:
        fqn = {_darl(k): k.replace(_PREFIX, '') for k, _ in wrapped.named_parameters()}
        by_param = {id(p): k for k, p in named.items()}
        full = {
            'state': {fqn[k]: {'step': torch.tensor(float(step)), 'exp_avg': optimizer[f'm/{k}'], 'exp_avg_sq': optimizer[f'v/{k}']}
                      for k in named},
            'param_groups': [{**{h: v for h, v in g.items() if h != 'params'}, 'params': [fqn[by_param[id(p)]] for p in g['params']]}
                             for g in opt.param_groups],
        }
        opt.load_state_dict(FSDP.optim_state_dict_to_load(wrapped, opt, full))
    return wrapped, named, opt


def full_state(wrapped, opt, named) -> Tuple[Dict[str, torch.Tensor], Dict[str, torch.Tensor]]:
    """Gathers parameters and moments on rank 0 (CPU) as darl tensors; other ranks get empty dicts."""
    from torch.distributed.fsdp import FullOptimStateDictConfig, FullStateDictConfig, StateDictType
    from torch.distributed.fsdp import FullyShardedDataParallel as FSDP

    with FSDP.state_dict_type(wrapped, StateDictType.FULL_STATE_DICT, FullStateDictConfig(offload_to_cpu=True, rank0_only=True),
                              FullOptimStateDictConfig(offload_to_cpu=True, rank0_only=True)):
        sd = wrapped.state_dict()
        osd = FSDP.optim_state_dict(wrapped, opt)
    params = {_darl(k): v for k, v in sd.items()}
    moments = {}
    for k, s in osd.get('state', {}).items():
        moments[f'm/{_darl(k)}'] = s['exp_avg']
        moments[f'v/{_darl(k)}'] = s['exp_avg_sq']
    return params, moments
