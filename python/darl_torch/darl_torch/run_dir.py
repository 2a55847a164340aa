"""Everything the twin knows about darl's run-directory layout (packages/darl/src/node/checkpoint.ts): file names,
the state.json schema, and the order in which a checkpoint is written. This is the only module that touches them.

Layout (`darl-run/1`): `config.json` (the run config), `model.safetensors` (parameters by darl path, EMA under
`ema/<path>`), `optimizer.safetensors` (AdamW moments `m/<path>`, `v/<path>`), `state.json` (step, data cursor, RNG,
…) written last; the safetensors metadata `step` must equal state.json's step.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Dict, Mapping

import torch

from .safetensors_io import read_safetensors, write_safetensors

RUN_FORMAT = 'darl-run/1'
CONFIG = 'config.json'
MODEL = 'model.safetensors'
OPTIMIZER = 'optimizer.safetensors'
STATE = 'state.json'
METRICS = 'metrics.jsonl'

#: Recorded in the metadata of every safetensors file the twin writes (and documented in the README).
LAYOUT = ('darl tensor names: "/"-separated parameter paths (embed/w, sos, backbone/blocks/<i>/attn/wqkv, head/...); '
          'EMA weights under ema/<path>; optimizer moments under m/<path> and v/<path>. Linear weights are [in, out] '
          '(y = x @ w + b); attn/wqkv output channels are [q | k | v], each [heads, headDim]; sos is [1, 1, C]. float32.')


class RunDirError(ValueError):
    """A directory that is not a (complete) darl run directory."""


@dataclass
class Checkpoint:
    run: Dict[str, Any]
    state: Dict[str, Any]
    model: Dict[str, torch.Tensor]
    optimizer: Dict[str, torch.Tensor]


def read_config(run_dir: str) -> Dict[str, Any]:
    path = os.path.join(run_dir, CONFIG)
    if not os.path.exists(path):
        raise RunDirError(f'{run_dir} is not a darl run directory: it has no {CONFIG}. Give the --out directory of a darl pretrain run.')
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def read_checkpoint(run_dir: str) -> Checkpoint:
    """config.json, state.json and both safetensors files; checks that their steps agree."""
    run = read_config(run_dir)
    state_path = os.path.join(run_dir, STATE)
    if not os.path.exists(state_path):
        raise RunDirError(f'{run_dir} has a {CONFIG} but no {STATE}: no checkpoint was completed yet.')
    with open(state_path, encoding='utf-8') as f:
        state = json.load(f)
    if state.get('format') != RUN_FORMAT:
        raise RunDirError(f'{state_path} has format {state.get("format")!r}; the twin reads {RUN_FORMAT}.')
    out = {}
    for name in (MODEL, OPTIMIZER):
        path = os.path.join(run_dir, name)
        if not os.path.exists(path):
            out[name] = {}
            continue
        tensors, meta = read_safetensors(path)
        if 'step' in meta and int(meta['step']) != int(state['step']):
            raise RunDirError(f'{path} holds step {meta["step"]} but {STATE} says {state["step"]}: the run was interrupted while saving.')
        out[name] = tensors
    return Checkpoint(run, state, out[MODEL], out[OPTIMIZER])


def write_checkpoint(run_dir: str, model: Mapping[str, torch.Tensor], optimizer: Mapping[str, torch.Tensor],
                     state: Mapping[str, Any], writer: str) -> None:
    """Writes both safetensors files, then state.json (atomically, last). `writer` names the program in the metadata."""
    meta = {'format': RUN_FORMAT, 'step': str(state['step']), 'layout': LAYOUT, 'writer': writer}
    write_safetensors(os.path.join(run_dir, MODEL), model, meta)
    write_safetensors(os.path.join(run_dir, OPTIMIZER), optimizer, meta)
    _write_json(os.path.join(run_dir, STATE), state)


def _write_json(path: str, value: Any) -> None:
    tmp = f'{path}.tmp-{os.getpid()}'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write(json.dumps(value, indent=2) + '\n')
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def append_metrics(run_dir: str, line: Mapping[str, Any]) -> None:
    with open(os.path.join(run_dir, METRICS), 'a', encoding='utf-8') as f:
        f.write(json.dumps(line) + '\n')


def truncate_metrics(run_dir: str, step: int) -> None:
    """Drops metric lines after `step` (as darl does on resume), so a continued run has one line per step."""
    path = os.path.join(run_dir, METRICS)
    if not os.path.exists(path):
        return
    kept = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            try:
                if json.loads(line).get('step', step + 1) <= step:
                    kept.append(line.rstrip('\n'))
            except json.JSONDecodeError:
                pass
    with open(path, 'w', encoding='utf-8') as f:
        f.write(''.join(k + '\n' for k in kept))
