#!/usr/bin/python3
"""The benchmark's reference model in PyTorch, identical to bench/src/reference-model.ts (same shapes, operations,
initialisation scheme and optimiser), timed the same way. Prints one JSON object on stdout. The model functions take
any config of the same form (CONFIG) and a device; `gpu_bench.py` times them on CUDA.

    /usr/bin/python3 bench/reference/darl_reference.py [--quick] [--threads 2]

Needs torch (Debian python3-torch 1.13 with libopenblas0-openmp on the benchmark machine).
"""
import argparse
import json
import math
import platform
import time

import torch
import torch.nn.functional as F

CONFIG = dict(image_size=28, channels=1, patch_size=4, width=128, depth=4, heads=4, mlp_width=512, batch=64)


def num_patches(c):
    return (c["image_size"] // c["patch_size"]) ** 2


def patch_dim(c):
    return c["patch_size"] ** 2 * c["channels"]


def init_model(c, seed, device="cpu"):
    g = torch.Generator().manual_seed(seed)

    def w(*shape):
        t = torch.empty(*shape)
        # truncated normal, std 0.02, cut at 2 std (drawn on the CPU, so every device starts from the same weights)
        t.normal_(0, 0.02, generator=g).clamp_(-0.04, 0.04)
        return t.to(device).requires_grad_()

    def zeros(*shape):
        return torch.zeros(*shape, device=device, requires_grad=True)

    def ones(*shape):
        return torch.ones(*shape, device=device, requires_grad=True)

    D, L, PD = c["width"], num_patches(c) + 1, patch_dim(c)
    blocks = []
    for _ in range(c["depth"]):
        blocks.append(dict(ln1g=ones(D), ln1b=zeros(D), wqkv=w(D, 3 * D), bqkv=zeros(3 * D), wo=w(D, D), bo=zeros(D),
                           ln2g=ones(D), ln2b=zeros(D), w1=w(D, c["mlp_width"]), b1=zeros(c["mlp_width"]),
                           w2=w(c["mlp_width"], D), b2=zeros(D)))
    return dict(we=w(PD, D), be=zeros(D), sos=w(1, 1, D), blocks=blocks, lnfg=ones(D), lnfb=zeros(D),
                wh=w(D, PD), bh=zeros(PD))


def variables(p):
    out = [p[k] for k in ("we", "be", "sos", "lnfg", "lnfb", "wh", "bh")]
    for b in p["blocks"]:
        out.extend(b.values())
    return out


def layer_norm(x, g, b):
    return F.layer_norm(x, (x.shape[-1],), g, b, 1e-6)


def causal_mask(L, device="cpu"):
    return torch.triu(torch.full((L, L), -1e9, device=device), diagonal=1)


def rope_tables(rows, cols, head_dim, base=10000.0, device="cpu"):
    """2-D RoPE exactly as @darl/transformer builds it: half the head channels rotate with the row, half with the
    column; rotate-half is a matmul with a fixed permutation matrix `swap`."""
    sections = 2
    m = head_dim // sections
    half = m // 2
    L = len(rows)
    cos = torch.zeros(L, head_dim)
    sin = torch.zeros(L, head_dim)
    for t in range(L):
        for s, pos in enumerate((rows[t], cols[t])):
            for j in range(half):
                angle = pos * base ** (-2 * j / m)
                i1 = s * m + j
                i2 = i1 + half
                cos[t, i1] = cos[t, i2] = math.cos(angle)
                sin[t, i1] = -math.sin(angle)
                sin[t, i2] = math.sin(angle)
    swap = torch.zeros(head_dim, head_dim)
    for s in range(sections):
        for j in range(half):
            i1 = s * m + j
            i2 = i1 + half
            swap[i1, i2] = 1
            swap[i2, i1] = 1
    return cos.to(device), sin.to(device), swap.to(device)


def rope(x, tables):
    cos, sin, swap = tables
    dh = cos.shape[1]
    swapped = (x.reshape(-1, dh) @ swap).reshape(x.shape)
    return x * cos + swapped * sin


def block(p, c, x, B, L, mask, tables, cache=None):
    """Pre-LN block as in @darl/transformer: x [B·L, D]."""
    D, NH = c["width"], c["heads"]
    DH = D // NH
    h = layer_norm(x, p["ln1g"], p["ln1b"])
    heads = (h @ p["wqkv"] + p["bqkv"]).reshape(B, L, 3, NH, DH).permute(2, 0, 3, 1, 4).reshape(3, B * NH, L, DH)
    qk = rope(heads[0:2], tables)
    q = qk[0] * (1 / math.sqrt(DH))
    k = qk[1]
    v = heads[2]
    if cache is not None:
        if "k" in cache:
            k = torch.cat([cache["k"], k], 1)
            v = torch.cat([cache["v"], v], 1)
        cache["k"], cache["v"] = k, v
    scores = q @ k.transpose(-1, -2)
    if mask is not None:
        scores = scores + mask
    att = torch.softmax(scores, -1) @ v
    merged = att.reshape(B, NH, L, DH).permute(0, 2, 1, 3).reshape(B * L, D)
    x1 = x + merged @ p["wo"] + p["bo"]
    m = F.gelu(layer_norm(x1, p["ln2g"], p["ln2b"]) @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"]
    return x1 + m


def positions(c):
    g = c["image_size"] // c["patch_size"]
    rows = [-1] + [i // g for i in range(g * g)]
    cols = [-1] + [i % g for i in range(g * g)]
    return rows, cols


def loss_fn(p, c, patches, mask, tables):
    B, N, PD = patches.shape
    D = c["width"]
    L = N + 1
    emb = (patches.reshape(B * N, PD) @ p["we"] + p["be"]).reshape(B, N, D)
    tokens = torch.cat([p["sos"].expand(B, 1, D), emb], 1)
    x = tokens.reshape(B * L, D)
    for b in p["blocks"]:
        x = block(b, c, x, B, L, mask, tables)
    out = layer_norm(x, p["lnfg"], p["lnfb"]).reshape(B, L, D)[:, :N]
    pred = out.reshape(B * N, D) @ p["wh"] + p["bh"]
    return ((pred - patches.reshape(B * N, PD)) ** 2).mean()


@torch.no_grad()
def features(p, c, patches, mask, tables):
    """The backbone's output for patches [B, N, PD] (causal), mean-pooled over the L tokens: [B, D] (the probe's cost)."""
    B, N, PD = patches.shape
    D = c["width"]
    L = N + 1
    emb = (patches.reshape(B * N, PD) @ p["we"] + p["be"]).reshape(B, N, D)
    x = torch.cat([p["sos"].expand(B, 1, D), emb], 1).reshape(B * L, D)
    for b in p["blocks"]:
        x = block(b, c, x, B, L, mask, tables)
    return layer_norm(x, p["lnfg"], p["lnfb"]).reshape(B, L, D).mean(1)


def time_it(fn, reps, warmup):
    """Median wall milliseconds per call, and mean process CPU milliseconds per call (all threads)."""
    for _ in range(warmup):
        fn()
    times = []
    c0 = time.process_time()
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    cpu = (time.process_time() - c0) * 1000 / reps
    times.sort()
    return times[len(times) // 2], cpu


def init_denoiser(c, seed, device="cpu"):
    g = torch.Generator().manual_seed(seed)
    PD, D, H = patch_dim(c), c["width"], 256

    def w(*shape):
        return (torch.randn(*shape, generator=g) * 0.02).to(device)

    def zeros(n):
        return torch.zeros(n, device=device)

    return dict(w1=w(PD + D + 1, H), b1=zeros(H), w2=w(H, H), b2=zeros(H), w3=w(H, PD), b3=zeros(PD))


def denoise(d, noisy, cond, gamma):
    x = torch.cat([noisy, cond, gamma], 1)
    h = F.gelu(x @ d["w1"] + d["b1"])
    h = F.gelu(h @ d["w2"] + d["b2"])
    return h @ d["w3"] + d["b3"]


def cosine_gamma(t):
    return math.cos(t * math.pi / 2) ** 2


@torch.no_grad()
def generate(p, c, denoiser=None, ddim_steps=20, device="cpu"):
    """One image, batch 1: 49 autoregressive steps through a KV cache; each next patch is the linear head's output
    (MSE) or 20 DDIM steps of the MLP denoiser conditioned on the backbone output (diffusion)."""
    D, N, PD = c["width"], num_patches(c), patch_dim(c)
    DH = D // c["heads"]
    rows, cols = positions(c)
    caches = [dict() for _ in p["blocks"]]
    token = p["sos"].reshape(1, D)
    g = torch.Generator().manual_seed(0)
    patches = []
    for t in range(N):
        x = token
        tables = rope_tables(rows[t:t + 1], cols[t:t + 1], DH, device=device)
        for b, cache in zip(p["blocks"], caches):
            x = block(b, c, x, 1, 1, None, tables, cache)
        h = layer_norm(x, p["lnfg"], p["lnfb"])
        if denoiser is None:
            nxt = h @ p["wh"] + p["bh"]
        else:
            z = torch.randn(1, PD, generator=g).to(device)
            for i in range(ddim_steps, 0, -1):
                g_t, g_s = cosine_gamma(i / ddim_steps), cosine_gamma((i - 1) / ddim_steps)
                x0 = denoise(denoiser, z, h, torch.full((1, 1), g_t, device=device))
                # sqrt(g_s)·x0 + sqrt(1 − g_s)·eps with eps = (z − sqrt(g_t)·x0)/sqrt(1 − g_t), as one combination
                cz = math.sqrt(1 - g_s) / math.sqrt(max(1 - g_t, 1e-8))
                z = (math.sqrt(g_s) - cz * math.sqrt(g_t)) * x0 + cz * z
            nxt = z
        patches.append(nxt)
        token = nxt @ p["we"] + p["be"]
    return torch.cat(patches, 0)


def patchify_normalise(pixels, c):
    B = pixels.shape[0]
    P, S, C = c["patch_size"], c["image_size"], c["channels"]
    G = S // P
    x = pixels.float() * (2 / 255) - 1
    x = x.reshape(B, G, P, G, P, C).permute(0, 1, 3, 2, 4, 5).reshape(B, G * G, P * P * C)
    mean = x.mean(-1, keepdim=True)
    var = x.var(-1, keepdim=True, unbiased=True)
    return (x - mean) / torch.sqrt(var + 1e-6)


def blas_library():
    """The BLAS shared library actually loaded (Debian's torch links the generic libblas alternative)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {"/".join(line.split()[-1].rsplit("/", 2)[-2:]) for line in f if "blas" in line}
        return ", ".join(sorted(libs)) or "unknown"
    except OSError:
        return "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    c = CONFIG
    reps, warmup = (2, 1) if args.quick else (20, 3)

    p = init_model(c, 0)
    params = variables(p)
    opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.05)
    mask = causal_mask(num_patches(c) + 1)
    rows, cols = positions(c)
    tables = rope_tables(rows, cols, c["width"] // c["heads"])
    patches = torch.randn(c["batch"], num_patches(c), patch_dim(c))

    def train_step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(p, c, patches, mask, tables)
        loss.backward()
        opt.step()
        return loss.item()

    train_ms, train_cpu_ms = time_it(train_step, reps, warmup)
    gen_reps, gen_warmup = (1, 0) if args.quick else (5, 1)
    gen_mse_ms, _ = time_it(lambda: generate(p, c), gen_reps, gen_warmup)
    den = init_denoiser(c, 1)
    gen_diff_ms, _ = time_it(lambda: generate(p, c, den, 20), 1 if args.quick else 3, gen_warmup)
    pixels = torch.randint(0, 256, (256, c["image_size"], c["image_size"], c["channels"]), dtype=torch.uint8)
    data_ms, _ = time_it(lambda: patchify_normalise(pixels, c), reps * 2, warmup)
    feature_patches = torch.randn(256, num_patches(c), patch_dim(c))
    features_ms, _ = time_it(lambda: features(p, c, feature_patches, mask, tables), 1 if args.quick else 5, 1)

    print(json.dumps(dict(
        system="pytorch",
        version=torch.__version__,
        python=platform.python_version(),
        threads=torch.get_num_threads(),
        blas=blas_library(),
        train_ms=train_ms,
        train_cpu_ms=train_cpu_ms,
        gen_mse_ms=gen_mse_ms,
        gen_diffusion_ms=gen_diff_ms,
        data_ms_per_256=data_ms,
        features_ms_per_256=features_ms,
    )))


if __name__ == "__main__":
    main()
