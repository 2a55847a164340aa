#!/usr/bin/python3
"""PyTorch's side of the GPU benchmark: the figures darl measures on webgpu (bench/src/gpu/gpu-system.ts), with the
model of darl_reference.py (operation for operation the bench's darl model) on a device, fp32, eager and under
torch.compile (when it works: a failure is reported per figure, not raised), then the twin's distributed training
(torch_distributed.py). The workloads come from the runner as JSON (`--spec`, bench/src/gpu/gpu-configs.ts owns them).
Prints one JSON object on stdout.

    python3 gpu_bench.py --spec '{...}' [--device cuda|cpu] [--no-compile] [--run-dir DIR] [--deadline-seconds S]
"""
import argparse
import json
import os
import platform
import sys
import time
import traceback

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import darl_reference as ref  # noqa: E402

STARTED = time.perf_counter()


def model_config(ts):
    """bench/src/reference-model.ts's BenchModelConfig (camelCase) → darl_reference's config dict."""
    return dict(image_size=ts["imageSize"], channels=ts["channels"], patch_size=ts["patchSize"], width=ts["width"],
                depth=ts["depth"], heads=ts["heads"], mlp_width=ts["mlpWidth"], batch=ts["batch"])


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_figure(fn, spec, device, budget=None):
    """Median wall ms of `fn` (GPU work finished: synchronize after each call) and the number of timed calls; warm-up
    and repetitions as the spec says, stopping early once the figure's time budget is spent (after one timed call)."""
    budget = budget or spec["budgetSeconds"]
    start = time.perf_counter()
    for i in range(spec["warmup"]):
        if i > 0 and time.perf_counter() - start > budget / 2:
            break
        fn()
        synchronize(device)
    times = []
    while len(times) < spec["reps"] and (not times or time.perf_counter() - start < budget):
        t0 = time.perf_counter()
        fn()
        synchronize(device)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return dict(ms=times[len(times) // 2], reps=len(times))


def training_flops(c):
    """bench/src/reference-model.ts's trainingFlops: 3 × the forward matmul FLOPs (2 per multiply-add)."""
    N = ref.num_patches(c)
    L, D, F, B, PD = N + 1, c["width"], c["mlp_width"], c["batch"], ref.patch_dim(c)
    DH, T = D // c["heads"], B * (N + 1)
    per_block = 2 * T * (3 * D * D + D * D + 2 * D * F) + 2 * 2 * B * L * L * D + 2 * 2 * T * D * DH
    return 3 * (2 * B * N * PD * D + c["depth"] * per_block + 2 * B * N * D * PD)


def model_inputs(c, device, batch):
    p = ref.init_model(c, 0, device)
    mask = ref.causal_mask(ref.num_patches(c) + 1, device)
    rows, cols = ref.positions(c)
    tables = ref.rope_tables(rows, cols, c["width"] // c["heads"], device=device)
    g = torch.Generator().manual_seed(1)
    patches = torch.randn(batch, ref.num_patches(c), ref.patch_dim(c), generator=g).to(device)
    return p, mask, tables, patches


def compile_fresh(fn):
    """torch.compile of `fn` with dynamo's caches cleared: each figure compiles for its own static shapes (a second
    shape for the same function would otherwise recompile it with dynamic shapes)."""
    torch._dynamo.reset()
    return torch.compile(fn)


def train_figure(c, spec, device, compiled, budget=None):
    p, mask, tables, patches = model_inputs(c, device, c["batch"])
    opt = torch.optim.AdamW(ref.variables(p), lr=1e-4, weight_decay=0.05)
    loss_fn = compile_fresh(ref.loss_fn) if compiled else ref.loss_fn

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(p, c, patches, mask, tables)
        loss.backward()
        opt.step()

    return dict(time_figure(step, spec, device, budget), gflop=training_flops(c) / 1e9)


def features_figure(spec, device, compiled, budget=None):
    c = model_config(spec["reference"])
    p, mask, tables, patches = model_inputs(c, device, spec["featureBatch"])
    fn = compile_fresh(ref.features) if compiled else ref.features
    gflop = training_flops(dict(c, batch=spec["featureBatch"])) / 3 / 1e9
    return dict(time_figure(lambda: fn(p, c, patches, mask, tables), spec, device, budget), gflop=gflop)


def generation_figures(spec, device):
    c = model_config(spec["reference"])
    p = ref.init_model(c, 0, device)
    den = ref.init_denoiser(c, 1, device)
    mse = time_figure(lambda: ref.generate(p, c, device=device), spec, device)
    diffusion = time_figure(lambda: ref.generate(p, c, den, spec["ddimSteps"], device=device), dict(spec, reps=min(spec["reps"], 3)), device)
    return mse, diffusion


def guarded(name, fn, log):
    """Runs one figure; an exception becomes {"error": ...} (torch.compile may not work on a machine)."""
    try:
        out = fn()
        log(f"{name}: {out['ms']:.1f} ms" if "ms" in out else f"{name}: done")
        return out
    except Exception as err:  # noqa: BLE001 - reported in the result, the other figures still run
        log(f"{name} failed: {type(err).__name__}: {err}")
        traceback.print_exc(file=sys.stderr)
        torch.cuda.empty_cache() if torch.cuda.is_available() else None
        return dict(error=f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"[:500])


def measure(spec, device, compiled, deadline, log):
    """The figures of one mode. Under torch.compile only the training steps and features (generation's KV cache grows
    every step, so it would recompile each token); a figure that would start past the deadline is skipped."""
    ref_c, vit_c = model_config(spec["reference"]), model_config(spec["vitS"])
    tag = "compile" if compiled else "eager"
    # Compilation is part of the warm-up, so a compiled figure gets three budgets.
    budget = spec["budgetSeconds"] * (3 if compiled else 1)
    figures = [
        ("train_reference", lambda: train_figure(ref_c, spec, device, compiled, budget)),
        ("train_vit_s", lambda: train_figure(vit_c, spec, device, compiled, budget)),
        ("features", lambda: features_figure(spec, device, compiled, budget)),
    ]
    out = {}
    for name, fn in figures:
        if time.perf_counter() - STARTED + budget > deadline:
            out[name] = dict(error=f"skipped: fewer than {budget:.0f} s left before the run's deadline")
            continue
        out[name] = guarded(f"{tag} {name}", fn, log)
    if not compiled:
        gen = guarded("eager generation", lambda: dict(zip(("mse", "diffusion"), generation_figures(spec, device))), log)
        out["gen_mse"] = gen.get("mse", gen)
        out["gen_diffusion"] = gen.get("diffusion", gen)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spec", required=True, help="the workloads as JSON (bench/src/gpu/gpu-configs.ts)")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--no-compile", action="store_true")
    ap.add_argument("--run-dir", help="a darl run directory for the twin's distributed steps (torch_distributed.py)")
    ap.add_argument("--deadline-seconds", type=float, default=300.0, help="skip figures that would end after this")
    args = ap.parse_args()
    spec = json.loads(args.spec)
    device = torch.device(args.device)
    torch.backends.cuda.matmul.allow_tf32 = False  # fp32 as darl computes it
    torch.backends.cudnn.allow_tf32 = False
    torch.manual_seed(0)

    def log(s):
        print(f"pytorch {device.type}: {s}", file=sys.stderr, flush=True)

    result = dict(system="pytorch", version=torch.__version__, python=platform.python_version(), device=str(device),
                  gpu=torch.cuda.get_device_name(device) if device.type == "cuda" else None,
                  threads=torch.get_num_threads(), tf32=False)
    result["eager"] = measure(spec, device, False, args.deadline_seconds, log)
    if args.no_compile:
        result["compile"] = dict(error="skipped: --no-compile")
    elif not hasattr(torch, "compile"):
        result["compile"] = dict(error=f"torch {torch.__version__} has no torch.compile")
    else:
        result["compile"] = measure(spec, device, True, args.deadline_seconds, log)
    if args.run_dir:
        from torch_distributed import distributed_steps
        # The distributed steps may use the margin the runner left after the figures' deadline (90 s), less 10.
        left = args.deadline_seconds + 80 - (time.perf_counter() - STARTED)
        result["distributed"] = distributed_steps(args.run_dir, device, spec["smoke"], log, left)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
