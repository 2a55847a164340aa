"""safetensors read/write (no dependency): 8-byte little-endian header length, a JSON header, raw little-endian bytes.

darl's reader accepts F32, I32 and U8; the twin writes only those. Names are written sorted, tensors contiguous, the
header padded with spaces to a multiple of 8 bytes.
"""
from __future__ import annotations

import json
import os
import struct
from typing import Dict, Mapping, Optional, Tuple

import numpy as np
import torch

_DTYPES = {'F32': np.float32, 'I32': np.int32, 'U8': np.uint8, 'F64': np.float64, 'I64': np.int64}
_NAMES = {np.dtype(v): k for k, v in _DTYPES.items()}


class SafetensorsError(ValueError):
    """A file that is not a valid safetensors file (or holds a dtype the twin does not read)."""


def read_safetensors(path: str) -> Tuple[Dict[str, torch.Tensor], Dict[str, str]]:
    """Reads every tensor of `path` (as CPU torch tensors) and the string metadata."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 8:
        raise SafetensorsError(f'{path}: {len(data)} bytes, shorter than the 8-byte header-length prefix; re-create the file.')
    (n,) = struct.unpack('<Q', data[:8])
    if n > len(data) - 8:
        raise SafetensorsError(f'{path}: the header length says {n} bytes but only {len(data) - 8} follow; the file is truncated.')
    try:
        header = json.loads(data[8:8 + n].decode('utf-8'))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise SafetensorsError(f'{path}: the header is not valid UTF-8 JSON ({err}); re-create the file.') from err
    meta = header.pop('__metadata__', {}) or {}
    body = memoryview(data)[8 + n:]
    out: Dict[str, torch.Tensor] = {}
    for name, entry in header.items():
        dtype = _DTYPES.get(entry.get('dtype'))
        if dtype is None:
            raise SafetensorsError(f'{path}: tensor "{name}" has dtype {entry.get("dtype")!r}; the twin reads {", ".join(_DTYPES)}.')
        begin, end = entry['data_offsets']
        shape = [int(s) for s in entry['shape']]
        arr = np.frombuffer(body[begin:end], dtype=np.dtype(dtype).newbyteorder('<')).reshape(shape)
        out[name] = torch.from_numpy(arr.astype(dtype, copy=True))
    return out, {str(k): str(v) for k, v in meta.items()}


def write_safetensors(path: str, tensors: Mapping[str, torch.Tensor], metadata: Optional[Mapping[str, str]] = None) -> None:
    """Writes `tensors` (any device; float32/int32/uint8) atomically: a temporary file, fsync, then rename."""
    header: Dict[str, object] = {}
    if metadata:
        header['__metadata__'] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        arr = tensors[name].detach().to('cpu').contiguous().numpy()
        if arr.dtype not in _NAMES:
            raise SafetensorsError(f'write_safetensors: tensor "{name}" has dtype {arr.dtype}; convert it to float32, int32 or uint8.')
        raw = arr.astype(arr.dtype.newbyteorder('<'), copy=False).tobytes()
        header[name] = {'dtype': _NAMES[arr.dtype], 'shape': list(arr.shape), 'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * ((8 - len(text) % 8) % 8)
    tmp = f'{path}.tmp-{os.getpid()}'
    with open(tmp, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
