"""darl's seeded random source (xoshiro128** seeded through SplitMix32, FNV-1a for string seeds), ported bit for bit.

The twin needs it for what darl derives from seeds rather than storing: the per-epoch data order
(`Rng(f"{seed}/epoch/{e}").permutation(N)`), the augmentation draws (`Rng(f"{seed}/augment/{epoch}/{position}")`),
and, for run directories written before config.json held the permutation, a random patch order. Only the integer
and uniform draws are ported; the twin draws its training noise from torch.
"""
from __future__ import annotations

from typing import List, Union

_M = 0xFFFFFFFF


def _fnv1a(text: str, basis: int = 0x811C9DC5) -> int:
    h = basis & _M
    for unit in _utf16_units(text):
        h ^= unit
        h = (h * 0x01000193) & _M
    return h


def _utf16_units(text: str) -> List[int]:
    """The UTF-16 code units of `text`, as JavaScript's `charCodeAt` sees them."""
    raw = text.encode('utf-16-le')
    return [raw[i] | (raw[i + 1] << 8) for i in range(0, len(raw), 2)]


def _imul(a: int, b: int) -> int:
    return (a * b) & _M


def _seed_bits(seed: Union[int, str]) -> int:
    if isinstance(seed, str):
        return _fnv1a(seed)
    if not (-(2 ** 53) < seed < 2 ** 53):
        raise ValueError(f'Rng: seed must be a safe integer or a string, got {seed}.')
    lo = seed & _M
    hi = (seed // 2 ** 32) & _M
    return (lo ^ _imul(hi, 0x9E3779B1)) & _M


def _rotl(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & _M


class Rng:
    """The same sequence as darl's `new Rng(seed)` for `next_uint32`, `next`, `int` and `permutation`."""

    def __init__(self, seed: Union[int, str]):
        x = _seed_bits(seed)
        words = []
        for _ in range(4):
            x = (x + 0x9E3779B9) & _M
            z = x
            z = _imul(z ^ (z >> 16), 0x85EBCA6B)
            z = _imul(z ^ (z >> 13), 0xC2B2AE35)
            words.append((z ^ (z >> 16)) & _M)
        self.s = words
        if not any(words):
            self.s[0] = 1

    def state(self) -> dict:
        """darl's `RngState` (`{"s": [4 × uint32], "spare": null}`)."""
        return {'s': list(self.s), 'spare': None}

    def next_uint32(self) -> int:
        s0, s1, s2, s3 = self.s
        result = _imul(_rotl(_imul(s1, 5), 7), 9)
        t = (s1 << 9) & _M
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = _rotl(s3, 11)
        self.s = [s0, s1, s2, s3]
        return result

    def next(self) -> float:
        hi = self.next_uint32() >> 5
        lo = self.next_uint32() >> 6
        return (hi * 67108864 + lo) / 9007199254740992

    def int(self, n: int) -> int:
        limit = 0x100000000 - (0x100000000 % n)
        x = self.next_uint32()
        while x >= limit:
            x = self.next_uint32()
        return x % n

    def permutation(self, n: int) -> List[int]:
        p = list(range(n))
        for i in range(n - 1, 0, -1):
            j = self.int(i + 1)
            p[i], p[j] = p[j], p[i]
        return p
