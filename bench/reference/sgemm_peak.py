#!/usr/bin/python3
"""A large fp32 matrix product through PyTorch (so through the BLAS it loaded): the achievable GEMM rate of the machine
with the given thread count. Prints one JSON object on stdout. Run by bench/src/measure-peak.ts in each BLAS build.

    /usr/bin/python3 bench/reference/sgemm_peak.py --threads 2 [--size 2048] [--reps 5]
"""
import argparse
import json
import time

import torch

from darl_reference import blas_library


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--size", type=int, default=2048)
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    g = torch.Generator().manual_seed(0)
    n = args.size
    a = torch.randn(n, n, generator=g)
    b = torch.randn(n, n, generator=g)
    c = torch.empty(n, n)
    torch.mm(a, b, out=c)  # warm-up: thread pool start, BLAS buffers
    times = []
    for _ in range(args.reps):
        t0 = time.perf_counter()
        torch.mm(a, b, out=c)
        times.append((time.perf_counter() - t0) * 1000)
    best = min(times)
    print(json.dumps(dict(size=n, threads=torch.get_num_threads(), best_ms=best, median_ms=sorted(times)[len(times) // 2],
                          gflops=2 * n ** 3 / (best * 1e6), blas=blas_library())))


if __name__ == "__main__":
    main()
