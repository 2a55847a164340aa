"""The twin's distributed training for the GPU benchmark: a few steps of `python -m darl_torch.train` under torchrun
(one process per GPU; world size 1 on a one-GPU machine), with `--strategy ddp` (NCCL on CUDA, gloo on the CPU) and
`--strategy fsdp`, each on a fresh copy of a darl run directory. Reports per strategy whether it ran, its losses,
images/s and the tail of its stderr when it failed. darl_torch must be importable (PYTHONPATH).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import torch

STEPS = 10
SMOKE_STEPS = 2
TIMEOUT_SECONDS = 150


def _torchrun_flags():
    # Debian bookworm's torch 1.13 under Python 3.11: torchrun's default redirects no longer parse (darl_torch README).
    return ["--redirects", "2", "--tee", "2"] if int(torch.__version__.split(".")[0]) < 2 else []


def _committed_step(run):
    with open(os.path.join(run, "latest.json")) as f:
        return int(json.load(f)["step"])


def _metrics(run, after):
    lines = []
    with open(os.path.join(run, "metrics.jsonl")) as f:
        for line in f:
            r = json.loads(line)
            if "event" not in r and r.get("step", 0) > after and "loss" in r:
                lines.append(r)
    return lines


def _error_summary(stderr):
    """The child's own error lines (torchrun ends its stderr with a generic failure banner)."""
    pattern = re.compile(r"^(\[default\d+\]:)?(darl_torch:|[\w.]+(Error|Exception):)")
    lines = [l for l in stderr.splitlines() if pattern.match(l) and "ChildFailedError" not in l]
    return "\n".join(lines[-3:] or stderr.strip().splitlines()[-8:])


def run_strategy(run_dir, strategy, device, steps, timeout=TIMEOUT_SECONDS):
    """Copies the run, trains `steps` more steps with `strategy` (killed after `timeout` s), returns what happened."""
    work = tempfile.mkdtemp(prefix=f"darl-twin-{strategy}-")
    run = os.path.join(work, "run")
    shutil.copytree(run_dir, run)
    start = _committed_step(run)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=1", *_torchrun_flags(),
           "-m", "darl_torch.train", run, "--stop-at", str(start + steps), "--strategy", strategy,
           "--device", device.type, "--quiet"]
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        code, err = p.returncode, p.stderr
    except subprocess.TimeoutExpired as e:
        code, err = None, f"timed out after {timeout:.0f} s\n{e.stderr or ''}"
    seconds = time.perf_counter() - t0
    out = dict(strategy=strategy, world_size=1, backend="nccl" if device.type == "cuda" else "gloo", seconds=seconds)
    if code != 0:
        shutil.rmtree(work, ignore_errors=True)
        return dict(out, ok=False, error=_error_summary(str(err)))
    lines = _metrics(run, start)
    end = _committed_step(run)
    shutil.rmtree(work, ignore_errors=True)
    return dict(out, ok=end == start + steps, steps=end - start, losses=[r["loss"] for r in lines],
                images_per_sec=lines[-1].get("imagesPerSec") if lines else None)


def distributed_steps(run_dir, device, smoke, log, seconds_left=2 * TIMEOUT_SECONDS):
    """DDP then FSDP, sharing `seconds_left` (a strategy with under 20 s left is skipped)."""
    results = {}
    deadline = time.perf_counter() + seconds_left
    strategies = ("ddp", "fsdp")
    for i, strategy in enumerate(strategies):
        left = deadline - time.perf_counter()
        if left < 20:
            results[strategy] = dict(strategy=strategy, ok=False, error=f"skipped: {left:.0f} s left before the run's deadline")
            continue
        timeout = min(TIMEOUT_SECONDS, left / (len(strategies) - i))
        r = run_strategy(run_dir, strategy, device, SMOKE_STEPS if smoke else STEPS, timeout)
        log(f"twin {strategy}: " + (f"{r['steps']} steps, losses {r['losses']}" if r["ok"] else f"failed: {r.get('error', '')[-300:]}"))
        results[strategy] = r
    return results
