"""Noise levels for the diffusion objective, float64 numpy (packages/diffusion/src: noise-schedule, cosine/linear/sigmoid
schedules, shift, noise-level, gamma-embedding, parameterisation's loss weights)."""
from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

GAMMA_MIN = 1e-6
GAMMA_MAX = 1 - 1e-6
LOG_SNR_LIMIT = math.log(GAMMA_MAX / (1 - GAMMA_MAX))
GAMMA_FEATURES = 256


def clamp_gamma(g):
    return np.clip(np.asarray(g, dtype=np.float64), GAMMA_MIN, GAMMA_MAX)


def log_snr(g):
    g = clamp_gamma(g)
    return np.clip(np.log(g) - np.log1p(-g), -LOG_SNR_LIMIT, LOG_SNR_LIMIT)


def _sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def gamma_features(gamma) -> np.ndarray:
    """`[n, 256]` float64: `[cos(u·f_k), sin(u·f_k)]`, u = 1000·(LIMIT − logSnr(γ))/(2·LIMIT), f_k = e^(−ln(10⁴)·k/128)."""
    u = 1000 * (LOG_SNR_LIMIT - log_snr(gamma)) / (2 * LOG_SNR_LIMIT)
    half = GAMMA_FEATURES // 2
    f = np.exp(-math.log(10000) * np.arange(half) / half)
    arg = u[:, None] * f[None, :]
    return np.concatenate([np.cos(arg), np.sin(arg)], axis=1)


def _schedule_log_snr(name: str, t: np.ndarray) -> np.ndarray:
    with np.errstate(divide='ignore'):
        if name == 'cosine':
            raw = -2 * np.log(np.tan(np.pi * t / 2))
        elif name == 'sigmoid':  # start −3, end 3, τ 1
            start, end, tau = -3.0, 3.0, 1.0
            v0, v1 = _sigmoid(start / tau), _sigmoid(end / tau)
            v = _sigmoid((t * (end - start) + start) / tau)
            raw = np.log(v1 - v) - np.log(v - v0)
        elif name == 'linear':  # DDPM β 1e-4 … 0.02 over 1000 steps, log γ linear between knots
            steps = 1000
            beta = 1e-4 + (0.02 - 1e-4) * np.arange(steps) / (steps - 1)
            table = np.concatenate([[1.0], np.cumprod(1 - beta)])
            log_table = np.log(table)
            pos = t * steps
            i = np.minimum(steps - 1, np.floor(pos)).astype(int)
            lg = log_table[i] + (log_table[i + 1] - log_table[i]) * (pos - i)
            raw = np.where(lg == 0, np.inf, lg - np.log(-np.expm1(np.where(lg == 0, -1.0, lg))))
        else:
            raise ValueError(f'unknown noise schedule {name!r}; darl knows cosine, linear, sigmoid.')
    return np.clip(raw, -LOG_SNR_LIMIT, LOG_SNR_LIMIT)


def sample_noise_levels(spec: Mapping[str, Any], n: int, rng: np.random.Generator) -> np.ndarray:
    """γ `[n]` float64, clamped: Beta(a, b) directly, or schedule(t) with t ~ U[0, 1) and an optional log-SNR shift."""
    if spec['kind'] == 'beta':
        return clamp_gamma(rng.beta(spec['a'], spec['b'], size=n))
    ls = _schedule_log_snr(spec['schedule'], rng.random(n))
    shift = spec.get('shift') or 0
    if shift:
        ls = np.clip(ls + shift, -LOG_SNR_LIMIT, LOG_SNR_LIMIT)
    return _sigmoid(ls)


def loss_weights(weighting: str, prediction: str, gamma, snr_clip: float = 5.0) -> np.ndarray:
    """Per-draw weights in the prediction's space (x0-space weight SNR or min(SNR, k))."""
    g = clamp_gamma(gamma)
    snr = g / (1 - g)
    if weighting == 'none':
        return np.ones_like(g)
    x0w = snr if weighting == 'snr' else np.minimum(snr, snr_clip)
    space = 1 if prediction == 'x0' else snr if prediction == 'eps' else 1 + snr
    return x0w / space
