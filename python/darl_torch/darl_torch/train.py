"""Continue a darl run directory in PyTorch, on one process or many under torchrun.

    torchrun --nproc_per_node=N -m darl_torch.train RUN_DIR [--stop-at STEP] [--strategy ddp|fsdp]

Semantics are darl pretrain's: the same data stream (seeded per-epoch order from the saved cursor, augmentation),
pixel scale, patchify and patch order, warm-up + cosine LR by optimiser step, AdamW with darl's decay mask, global-norm
clipping, gradient accumulation, EMA. A global step uses `train.batchSize` images as darl does; each of the W
processes takes 1/W of every micro-batch (so `batchSize / accumulate` must be divisible by W), and gradients are
averaged across processes, which makes the update the one a single process computes. Diffusion noise is drawn per image
from torch/numpy generators seeded by (train.seed, step, micro-batch, image), so a W-process run and a 1-process run
draw the same noise. The checkpoint is written in darl's layout
(run_dir) and loads in darl (`loadRun`, `darl probe`, `darl sample`, `darl pretrain --resume`).
"""
from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
import time
from typing import Dict, Optional

import numpy as np
import torch
import torch.distributed as dist

from .checkpoint import load_params, model_tensors
from .config import ModelSpec, augment_options, lr_at, model_spec, pixel_lut, train_spec
from .data import BatchStream, open_dataset, to_float
from .model import DarlTorch, darl_names
from .noise import sample_noise_levels
from .optim import Ema, adamw, decays, load_moments, moments
from .rng import Rng
from .run_dir import RunLock, append_metrics, commit_checkpoint, read_checkpoint, truncate_metrics

VERSION = '0.1.0'


class TrainError(RuntimeError):
    """A run the twin cannot continue as asked (finished run, incompatible batch split, divergence, …)."""


def noise_draws(spec: ModelSpec, seed: int, step: int, micro: int, images: range, device: torch.device):
    """γ float64 `[K·b·L]` and ε float32 `[K·b·L, D]` (draw-major) for images `images` of a micro-batch. Each image's
    draws come from generators seeded by (seed, step, micro-batch, image index in the global micro-batch), so any
    split of the batch over processes draws the same noise, and no process draws noise for images it does not hold."""
    if spec.objective != 'diffusion':
        return None, None
    K, L, D = spec.diffusion.batch_multiplier, spec.length, spec.patch_dim
    gammas, epss = [], []
    for i in images:
        rng = np.random.default_rng([seed & 0xFFFFFFFF, step, micro, i])
        gammas.append(sample_noise_levels(spec.diffusion.noise_levels, K * L, rng).reshape(K, L))
        g = torch.Generator(device=device).manual_seed(int(rng.integers(2 ** 62)))
        epss.append(torch.randn(K, L, D, generator=g, device=device))
    return np.concatenate(gammas, axis=1).reshape(-1), torch.cat(epss, dim=1).reshape(-1, D)


def loss_by_row(per: torch.Tensor, spec: ModelSpec) -> list:
    """Mean loss per patch row of the target (darl's lossByRow), from per-draw losses `[K·b·L]`."""
    rows = torch.tensor(spec.positions()[0])
    per = per.detach().float().cpu().reshape(-1, spec.length)
    return [per[:, rows == r].mean().item() for r in range(spec.grid[0])]


class Trainer:
    def __init__(self, run_dir: str, strategy: str = 'ddp', device: Optional[str] = None):
        self.run_dir = run_dir
        self.world = int(os.environ.get('WORLD_SIZE', '1'))
        self.rank = int(os.environ.get('RANK', '0'))
        local = int(os.environ.get('LOCAL_RANK', '0'))
        cuda = torch.cuda.is_available() if device in (None, 'auto') else device.startswith('cuda')
        self.device = torch.device(f'cuda:{local}' if cuda else 'cpu')
        if cuda:
            torch.cuda.set_device(self.device)
        # Under torchrun (which sets MASTER_ADDR and RANK) the process group exists even for one process, so DDP and
        # FSDP run as they would on more GPUs; a plain `python -m darl_torch.train` is one process without one.
        launched = 'MASTER_ADDR' in os.environ and 'RANK' in os.environ
        if (self.world > 1 or launched) and not dist.is_initialized():
            dist.init_process_group('nccl' if cuda else 'gloo')
        ck = read_checkpoint(run_dir)
        if ck.state.get('finished'):
            raise TrainError(f'The run in {run_dir} already finished (step {ck.state["step"]}); there is nothing to continue. '
                             'Start a new darl run with more train.steps from its config.json.')
        self.ck = ck
        self.spec = model_spec(ck.run['model'])
        self.train = train_spec(ck.run['train'])
        self.step = int(ck.state['step'])
        self.strategy = strategy
        model = DarlTorch(self.spec)
        load_params(model, ck.model, source=ck.source)
        decay_of = {k: decays(k, p) for k, p in darl_names(model).items()}
        model.to(self.device)
        if strategy == 'fsdp':
            from .fsdp import wrap_fsdp
            if self.train.ema > 0:
                raise TrainError('--strategy fsdp does not keep an EMA (train.ema > 0 in config.json); use ddp.')
            self.module, self.named, self.opt = wrap_fsdp(model, self.train, decay_of, ck.optimizer, self.step)
        else:
            self.module = torch.nn.parallel.DistributedDataParallel(model, device_ids=[self.device] if cuda else None) if dist.is_initialized() else model
            self.named = darl_names(model)
            self.opt = adamw(self.named, self.train, decay_of)
            load_moments(self.opt, self.named, ck.optimizer, self.step)
        shadow = {k[4:]: v for k, v in ck.model.items() if k.startswith('ema/')}
        self.ema = Ema(self.named, self.train.ema, shadow) if self.train.ema > 0 else None
        micro = self.train.batch_size // self.train.accumulate
        if micro % self.world:
            raise TrainError(f'train.batchSize / train.accumulate = {micro} images per micro-batch cannot be split over {self.world} '
                             'processes; choose --nproc_per_node dividing it.')
        self.shard = micro // self.world
        self.stream = BatchStream(open_dataset(ck.state['data'], 'train'), micro, self.train.seed, ck.state['cursor'],
                                  augment_options(self.train))
        self.cursor = dict(ck.state['cursor'])
        self.lut = pixel_lut(self.spec.pixel_scale, self.spec.channels)

    def step_once(self) -> Dict[str, object]:
        """One optimiser step over `accumulate` micro-batches; returns darl's metrics line."""
        t, spec = self.train, self.spec
        lo, hi = self.rank * self.shard, (self.rank + 1) * self.shard
        loss_sum = torch.zeros((), device=self.device)
        pers = []
        for i in range(t.accumulate):
            pixels = self.stream.next()
            self.cursor = self.stream.cursor
            x = torch.from_numpy(to_float(pixels[lo:hi], self.lut)).to(self.device)
            g, e = noise_draws(spec, t.seed, self.step, i, range(lo, hi), self.device)
            gen = None
            if spec.backbone.drop_path > 0:
                gen = torch.Generator(device=self.device).manual_seed(hash((t.seed, self.step, i, self.rank)) & (2 ** 62 - 1))
            sync = self.world == 1 or i == t.accumulate - 1 or self.strategy == 'fsdp'
            with (contextlib.nullcontext() if sync else self.module.no_sync()):
                loss, per = self.module(x, g, e, gen)
                (loss / t.accumulate).backward()
            loss_sum += loss.detach()
            pers.append(per)
        if self.world > 1:
            dist.all_reduce(loss_sum)
        loss_value = loss_sum.item() / (self.world * t.accumulate)
        if not math.isfinite(loss_value):
            raise TrainError(f'Training diverged at step {self.step + 1}: the loss is {loss_value}. No update was applied.')
        params = list(self.named.values())
        if t.clip_norm > 0:
            clip = self.module.clip_grad_norm_ if self.strategy == 'fsdp' else lambda m: torch.nn.utils.clip_grad_norm_(params, m)
            grad_norm = float(clip(t.clip_norm))
        else:
            grad_norm = math.sqrt(sum(float((p.grad.float() ** 2).sum()) for p in params if p.grad is not None))
        if not math.isfinite(grad_norm):
            raise TrainError(f'Training diverged at step {self.step + 1}: the gradient norm is {grad_norm}. No update was applied.')
        lr = lr_at(t, self.step)
        for group in self.opt.param_groups:
            group['lr'] = lr
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        if self.ema:
            self.ema.update(self.named)
        self.step += 1
        return {'step': self.step, 'loss': loss_value, 'lr': lr, 'gradNorm': grad_norm,
                'lossByRow': loss_by_row(torch.cat(pers), spec)}

    def save(self, wall: float) -> None:
        st = self.ck.state
        if self.strategy == 'fsdp':
            from .fsdp import full_state
            params, opt_state = full_state(self.module, self.opt, self.named)
        else:
            params, opt_state = self.named, moments(self.opt, self.named)
        if self.rank != 0:
            return
        state = {
            'step': self.step, 'cursor': self.cursor,
            # darl's trainer RNG (noise, drop-path) continues from a fresh stream derived from the seed and step.
            'rng': Rng(f'{self.train.seed}/torch/{self.step}').state(),
            'data': st['data'],
            'versions': {**st.get('versions', {}), 'torch': torch.__version__, 'darl_torch': VERSION},
            'backend': {'name': 'torch', 'device': self.device.type, 'worldSize': self.world, 'strategy': self.strategy},
            'parts': st.get('parts', {'backbone': 'transformer', 'head': self.spec.objective}),
            'startedAt': st.get('startedAt', ''),
            'wallSeconds': float(st.get('wallSeconds', 0)) + wall,
            'finished': self.step >= self.train.steps,
        }
        commit_checkpoint(self.run_dir, model_tensors(params, self.ema.shadow if self.ema else None),
                          {k: v.detach().float().cpu() for k, v in opt_state.items()}, state, self.train.keep_checkpoints,
                          f'darl_torch {VERSION}')


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog='python -m darl_torch.train', description='Continue a darl run directory in PyTorch (DDP/FSDP under torchrun).')
    ap.add_argument('run_dir', help='a darl run directory (darl pretrain --out DIR)')
    ap.add_argument('--stop-at', type=int, default=None, help='stop (and checkpoint) after this total step (default: train.steps)')
    ap.add_argument('--strategy', choices=['ddp', 'fsdp'], default='ddp', help='data parallel (default) or fully sharded')
    ap.add_argument('--device', default='auto', help='auto (cuda when available), cpu or cuda')
    ap.add_argument('--quiet', action='store_true', help='no progress lines on stderr')
    args = ap.parse_args(argv)
    lock = None
    try:
        if int(os.environ.get('RANK', '0')) == 0:  # the writer holds darl's run lock
            lock = RunLock(args.run_dir, 'darl_torch.train')
        return _train(args)
    except (TrainError, ValueError, OSError) as err:
        print(f'darl_torch: {err}', file=sys.stderr)
        return 1
    finally:
        if lock:
            lock.release()
        if dist.is_initialized():
            dist.destroy_process_group()


def _train(args) -> int:
    tr = Trainer(args.run_dir, args.strategy, args.device)
    stop = min(args.stop_at or tr.train.steps, tr.train.steps)
    if tr.rank == 0:
        truncate_metrics(tr.run_dir, tr.step)
    t0 = time.perf_counter()
    window, images = time.perf_counter(), 0
    while tr.step < stop:
        line = tr.step_once()
        images += tr.train.batch_size
        now = time.perf_counter()
        s = line['step']
        if tr.rank == 0 and (s % tr.train.log_every == 0 or s == 1 or s == stop):
            ips = images / max(now - window, 1e-9)
            window, images = now, 0
            append_metrics(tr.run_dir, {**line, 'imagesPerSec': ips, 'elapsed': float(tr.ck.state.get('wallSeconds', 0)) + now - t0})
            if not args.quiet:
                print(f'darl_torch: step {s}/{tr.train.steps} loss {line["loss"]:.5f} lr {line["lr"]:.2e} ({ips:.0f} img/s)', file=sys.stderr)
        if tr.train.checkpoint_every and s % tr.train.checkpoint_every == 0 and s != stop:
            tr.save(time.perf_counter() - t0)
    tr.save(time.perf_counter() - t0)
    if dist.is_initialized():
        dist.barrier()
    return 0


if __name__ == '__main__':
    sys.exit(main())
