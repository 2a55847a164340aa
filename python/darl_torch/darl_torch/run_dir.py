"""Everything the twin knows about darl's run-directory layout (packages/darl/src/node/run-dir, format `darl-run/2`):
file names, `latest.json`, `state.json`, `run.lock`, and how a checkpoint is committed. The only module that touches
them.

```
RUN/
  config.json          the run config
  metrics.jsonl        one JSON object per line
  metrics.rewind.jsonl while a darl --from-step rewind has not committed: its new lines (settled by the next writer)
  latest.json          { format, step, dir: "checkpoints/step-NNNNNNNN", committedAt }: the committed checkpoint
  run.lock             { pid, host, startedAt, command, bootId?, startTicks? } while a process writes the run
  checkpoints/step-NNNNNNNN/{state.json, model.safetensors, optimizer.safetensors, digests.json}
```

A checkpoint is written into `checkpoints/.tmp-step-…`, its `digests.json` ({ format, algorithm: "sha256", files:
{ name: lowercase hex SHA-256 } } of every other file) added, flushed, renamed to `checkpoints/step-NNNNNNNN` (`-2`, …
for a second commit of one step) and committed by replacing `latest.json` atomically; then only the newest
`keepCheckpoints` remain. The safetensors metadata `step` equals state.json's step. Every read checks the digests (a
checkpoint without `digests.json`, from an older darl, is read unchecked).

`latest.json` is a cache: when it is missing, damaged, names a missing directory or a step other than its directory's,
the newest complete checkpoint whose digests match is the committed one (said on stderr), and nothing is removed on
its strength.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, List, Mapping, Optional, Tuple

import torch

from .safetensors_io import read_safetensors, write_safetensors

RUN_FORMAT = 'darl-run/2'
CONFIG = 'config.json'
METRICS = 'metrics.jsonl'
METRICS_REWIND = 'metrics.rewind.jsonl'
LATEST = 'latest.json'
LOCK = 'run.lock'
CHECKPOINTS = 'checkpoints'
STATE = 'state.json'
MODEL = 'model.safetensors'
OPTIMIZER = 'optimizer.safetensors'
DIGESTS = 'digests.json'
DIGEST_ALGORITHM = 'sha256'
TEMP_PREFIX = '.tmp-'
_STEP_DIR = re.compile(r'^step-(\d{8,})(?:-(\d+))?$')

#: Recorded in the metadata of every safetensors file the twin writes (and documented in the README).
LAYOUT = ('darl tensor names: "/"-separated parameter paths (embed/w, sos, backbone/blocks/<i>/attn/wqkv, head/...); '
          'EMA weights under ema/<path>; optimizer moments under m/<path> and v/<path>. Linear weights are [in, out] '
          '(y = x @ w + b); attn/wqkv output channels are [q | k | v], each [heads, headDim]; sos is [1, 1, C]. float32.')


class RunDirError(ValueError):
    """A directory that is not a (complete, unlocked) darl run directory."""


@dataclass
class Checkpoint:
    run: Dict[str, Any]
    state: Dict[str, Any]
    model: Dict[str, torch.Tensor]
    optimizer: Dict[str, torch.Tensor]
    #: the checkpoint directory the tensors came from
    source: str


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec='milliseconds').replace('+00:00', 'Z')


def _read_json(path: str, what: str) -> Any:
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except json.JSONDecodeError as err:
        raise RunDirError(f'{path} is not valid JSON ({err}); the {what} is damaged.') from err


def _write_json(path: str, value: Any) -> None:
    tmp = os.path.join(os.path.dirname(path), f'.{os.path.basename(path)}.{os.getpid()}.tmp')
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write(json.dumps(value, indent=2) + '\n')
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_config(run_dir: str) -> Dict[str, Any]:
    path = os.path.join(run_dir, CONFIG)
    if not os.path.exists(path):
        raise RunDirError(f'{run_dir} is not a darl run directory: it has no {CONFIG}. Give the --out directory of a darl pretrain run.')
    return _read_json(path, 'run config')


def _checkpoint_dirs(run_dir: str) -> List[Tuple[int, int, str]]:
    root = os.path.join(run_dir, CHECKPOINTS)
    out = []
    for name in os.listdir(root) if os.path.isdir(root) else []:
        m = _STEP_DIR.match(name)
        if m:
            out.append((int(m.group(1)), int(m.group(2) or 1), name))
    return sorted(out)


def sha256_file(path: str) -> str:
    """The lowercase hex SHA-256 of a file, streamed."""
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def _write_digests(ck_dir: str) -> None:
    files = {name: sha256_file(os.path.join(ck_dir, name)) for name in sorted(os.listdir(ck_dir))
             if name != DIGESTS and not name.startswith('.') and os.path.isfile(os.path.join(ck_dir, name))}
    _write_json(os.path.join(ck_dir, DIGESTS), {'format': RUN_FORMAT, 'algorithm': DIGEST_ALGORITHM, 'files': files})


def _read_digests(ck_dir: str) -> Optional[Dict[str, str]]:
    """The digests of a checkpoint's files by name; None for a checkpoint written before digests."""
    path = os.path.join(ck_dir, DIGESTS)
    if not os.path.exists(path):
        return None
    d = _read_json(path, 'list of checkpoint digests')
    if not isinstance(d, dict) or d.get('algorithm') != DIGEST_ALGORITHM or not isinstance(d.get('files'), dict):
        raise RunDirError(f'{path} is damaged: it must hold {{"format", "algorithm": "sha256", "files"}}.')
    return d['files']


def _digest_problem(ck_dir: str, name: str, digests: Optional[Dict[str, str]]) -> Optional[str]:
    path = os.path.join(ck_dir, name)
    if not os.path.isfile(path):
        return f'{path} is missing.'
    expected = (digests or {}).get(name)
    actual = sha256_file(path) if expected is not None else None
    if expected is not None and actual != expected:
        return (f'{path} is damaged: its SHA-256 digest {actual[:12]}… differs from the {expected[:12]}… recorded in '
                f'{DIGESTS} when its checkpoint was committed.')
    return None


def _checkpoint_problem(ck_dir: str) -> Optional[str]:
    """None when a checkpoint directory is complete and its files match their digests, else the first problem."""
    try:
        digests = _read_digests(ck_dir)
    except RunDirError as err:
        return str(err)
    for name in sorted({STATE, MODEL, OPTIMIZER, *(digests or {})}):
        problem = _digest_problem(ck_dir, name, digests)
        if problem:
            return problem
    return None


def _pointer(run_dir: str) -> Tuple[Optional[str], Optional[str]]:
    """The checkpoint directory name `latest.json` names, or None and why it cannot be used (None, None: no pointer)."""
    path = os.path.join(run_dir, LATEST)
    if not os.path.exists(path):
        return None, None
    try:
        latest = _read_json(path, 'pointer to the last checkpoint')
    except RunDirError as err:
        return None, str(err)
    parts = latest.get('dir', '').split('/') if isinstance(latest, dict) and isinstance(latest.get('dir'), str) else []
    m = _STEP_DIR.match(parts[1]) if len(parts) == 2 and parts[0] == CHECKPOINTS else None
    if latest.get('format') != RUN_FORMAT or not m:
        return None, f'{path} is damaged (format {latest.get("format")!r}, dir {latest.get("dir")!r}).'
    if int(m.group(1)) != latest.get('step'):
        return None, f'{path} says step {latest.get("step")} but names {latest["dir"]}.'
    if not os.path.isdir(os.path.join(run_dir, CHECKPOINTS, parts[1])):
        return None, f'{path} names {latest["dir"]}, which is missing.'
    return parts[1], None


def committed_checkpoint(run_dir: str) -> Optional[str]:
    """The committed checkpoint's directory name: what `latest.json` names or, when it cannot be used, the newest
    complete checkpoint whose digests match (said on stderr). None when there is none."""
    name, problem = _pointer(run_dir)
    if name is not None:
        return name
    dirs = _checkpoint_dirs(run_dir)
    if problem is None and not dirs:
        return None
    problem = problem or f'{os.path.join(run_dir, LATEST)} is missing.'
    for _, _, candidate in reversed(dirs):
        if _checkpoint_problem(os.path.join(run_dir, CHECKPOINTS, candidate)) is None:
            print(f'darl_torch: {problem} The newest intact checkpoint is {CHECKPOINTS}/{candidate}; reading it.', file=sys.stderr)
            return candidate
    raise RunDirError(f'{problem} No checkpoint directory of {run_dir} is intact.')


def _remedy(run_dir: str, step: int) -> str:
    older = [s for s, _, _ in _checkpoint_dirs(run_dir) if s < step]
    return (f'An older checkpoint (step {older[-1]}) is kept: read it with read_checkpoint({run_dir!r}, step={older[-1]}) '
            f'(darl: --from-step {older[-1]}).' if older else 'No older checkpoint is kept.')


def read_checkpoint(run_dir: str, step: Optional[int] = None) -> Checkpoint:
    """config.json and the committed checkpoint (or the kept one of `step`); checks every file against its digest
    and that they agree on the step."""
    run = read_config(run_dir)
    if step is not None:
        names = [n for s, _, n in _checkpoint_dirs(run_dir) if s == step]
        if not names:
            kept = ', '.join(str(s) for s, _, _ in _checkpoint_dirs(run_dir)) or 'none'
            raise RunDirError(f'{run_dir} keeps no checkpoint of step {step} (kept: {kept}).')
        name = names[-1]
    else:
        name = committed_checkpoint(run_dir)
    if name is None:
        if os.path.exists(os.path.join(run_dir, STATE)):
            raise RunDirError(f'{run_dir} is a darl-run/1 directory (state.json at the top); the twin reads {RUN_FORMAT}. '
                              'Resume it once with this darl version (darl pretrain --resume) to convert it.')
        raise RunDirError(f'{run_dir} has a {CONFIG} but no {LATEST}: no checkpoint was committed yet.')
    ck_dir = os.path.join(run_dir, CHECKPOINTS, name)
    dir_step = int(_STEP_DIR.match(name).group(1))
    remedy = _remedy(run_dir, dir_step)
    digests = _read_digests(ck_dir)
    for file in (STATE, MODEL, OPTIMIZER):
        problem = _digest_problem(ck_dir, file, digests)
        if problem:
            raise RunDirError(f'{problem} {remedy}')
    state = _read_json(os.path.join(ck_dir, STATE), 'checkpoint state')
    if state.get('step') != dir_step:
        raise RunDirError(f'{ck_dir}/{STATE} says step {state.get("step")} but its directory is {name}. {remedy}')
    out = {}
    for file in (MODEL, OPTIMIZER):
        path = os.path.join(ck_dir, file)
        tensors, meta = read_safetensors(path)
        if 'step' in meta and int(meta['step']) != int(state['step']):
            raise RunDirError(f'{path} holds step {meta["step"]} but its {STATE} says {state["step"]}. {remedy}')
        out[file] = tensors
    return Checkpoint(run, state, out[MODEL], out[OPTIMIZER], ck_dir)


def commit_checkpoint(run_dir: str, model: Mapping[str, torch.Tensor], optimizer: Mapping[str, torch.Tensor],
                      state: Mapping[str, Any], keep: int, writer: str) -> str:
    """Writes one checkpoint and commits it (see the module comment); returns its directory."""
    step = int(state['step'])
    root = os.path.join(run_dir, CHECKPOINTS)
    os.makedirs(root, exist_ok=True)
    temp = os.path.join(root, f'{TEMP_PREFIX}step-{step:08d}-{os.getpid()}')
    shutil.rmtree(temp, ignore_errors=True)
    os.makedirs(temp)
    try:
        meta = {'format': RUN_FORMAT, 'step': str(step), 'layout': LAYOUT, 'writer': writer}
        write_safetensors(os.path.join(temp, MODEL), model, meta)
        write_safetensors(os.path.join(temp, OPTIMIZER), optimizer, meta)
        _write_json(os.path.join(temp, STATE), {**state, 'format': RUN_FORMAT})
        _write_digests(temp)
        _fsync_dir(temp)
        revisions = [r for s, r, _ in _checkpoint_dirs(run_dir) if s == step]
        name = f'step-{step:08d}' + (f'-{max(revisions) + 1}' if revisions else '')
        final = os.path.join(root, name)
        os.rename(temp, final)
        _fsync_dir(root)
        _write_json(os.path.join(run_dir, LATEST), {'format': RUN_FORMAT, 'step': step, 'dir': f'{CHECKPOINTS}/{name}', 'committedAt': _now()})
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    key = (step, int(_STEP_DIR.match(name).group(2) or 1))
    older = [n for s, r, n in _checkpoint_dirs(run_dir) if (s, r) < key]
    for n in older[:max(0, len(older) - (keep - 1))]:
        shutil.rmtree(os.path.join(root, n), ignore_errors=True)
    return final


def _pid_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except PermissionError:
        return True
    except OSError:
        return False


def _process_identity(pid: int) -> Optional[Dict[str, Any]]:
    """Boot id and start time (clock ticks after boot, /proc/PID/stat field 22) of process `pid`; None without /proc."""
    try:
        with open('/proc/sys/kernel/random/boot_id', encoding='utf-8') as f:
            boot_id = f.read().strip()
        with open(f'/proc/{pid}/stat', encoding='utf-8') as f:
            stat = f.read()
        return {'bootId': boot_id, 'startTicks': int(stat[stat.rindex(')') + 2:].split(' ')[22 - 3])}
    except (OSError, ValueError, IndexError):
        return None


def _lock_holder_gone(held: Mapping[str, Any]) -> bool:
    """Whether the process of a `run.lock` is provably gone, judged as darl judges it (lock-file.ts)."""
    if held.get('host') != socket.gethostname():
        return False
    pid = int(held.get('pid', 0))
    mine = _process_identity(os.getpid())
    if mine and held.get('bootId') is not None and held['bootId'] != mine['bootId']:
        return True
    if pid == os.getpid() or not _pid_running(pid):
        return True
    now = _process_identity(pid)
    return now is not None and held.get('startTicks') is not None and held['startTicks'] != now['startTicks']


class RunLock:
    """`run.lock`, darl's one-writer lock: created exclusively, taken over when its process is provably gone (same
    host: another boot, no such pid, our own pid, or a pid started at another time than recorded)."""

    def __init__(self, run_dir: str, command: str):
        self.path = os.path.join(run_dir, LOCK)
        info = {'pid': os.getpid(), 'host': socket.gethostname(), 'startedAt': _now(), 'command': command, **(_process_identity(os.getpid()) or {})}
        mine = f'{self.path}.{os.getpid()}.new'
        with open(mine, 'w', encoding='utf-8') as f:
            f.write(json.dumps(info) + '\n')
        try:
            for _ in range(3):
                try:
                    os.link(mine, self.path)
                    break
                except FileExistsError:
                    pass
                try:
                    with open(self.path, encoding='utf-8') as f:
                        held: Optional[dict] = json.load(f)
                except FileNotFoundError:
                    continue
                except (OSError, json.JSONDecodeError):
                    held = None
                if held and not _lock_holder_gone(held):
                    raise RunDirError(f'{run_dir} is in use by another process (pid {held.get("pid")} on {held.get("host")}, '
                                      f'started {held.get("startedAt")}, {held.get("command", "darl")}). Only one process may write a run '
                                      f'directory: wait for it to finish, or delete {self.path} if it no longer runs.')
                os.replace(self.path, f'{self.path}.{os.getpid()}.stale')
                os.unlink(f'{self.path}.{os.getpid()}.stale')
            else:
                raise RunDirError(f'could not take {self.path}; try again.')
        finally:
            os.unlink(mine)
        self.info = info
        self._clean_stale(run_dir)
        settle_metrics(run_dir)

    @staticmethod
    def _clean_stale(run_dir: str) -> None:
        """Removes interrupted writes: temp checkpoint directories and, only when latest.json names an existing
        checkpoint that is verified intact, checkpoints newer than it. A missing or damaged pointer removes nothing
        but temp directories."""
        root = os.path.join(run_dir, CHECKPOINTS)
        names = os.listdir(root) if os.path.isdir(root) else []
        remove = [n for n in names if n.startswith(TEMP_PREFIX)]
        committed, _ = _pointer(run_dir)
        if committed:
            m = _STEP_DIR.match(committed)
            key = (int(m.group(1)), int(m.group(2) or 1))
            newer = [n for s, r, n in _checkpoint_dirs(run_dir) if (s, r) > key]
            if newer and _checkpoint_problem(os.path.join(root, committed)) is None:
                remove += newer
        for name in remove:
            shutil.rmtree(os.path.join(root, name), ignore_errors=True)

    def release(self) -> None:
        try:
            with open(self.path, encoding='utf-8') as f:
                if json.load(f).get('pid') == os.getpid():
                    os.unlink(self.path)
        except (OSError, json.JSONDecodeError):
            pass


def _lines_up_to(text: str, step: int) -> List[str]:
    kept = []
    for line in text.split('\n'):
        try:
            s = json.loads(line).get('step') if line.strip() else None
        except (json.JSONDecodeError, AttributeError):
            s = None
        if isinstance(s, (int, float)) and s <= step:
            kept.append(line)
    return kept


def settle_metrics(run_dir: str) -> None:
    """Settles the `metrics.rewind.jsonl` a killed darl rewind (`--from-step`) left, as darl does (metrics-log.ts): its
    first line `{"event": "rewind", "step", "from"}` names latest.json's `dir` when the rewind began. If the pointer
    moved since, the rewind committed: metrics.jsonl keeps its lines up to `step`, then the side file's. Otherwise the
    side file is dropped. Left alone without a pointer."""
    side_path, latest_path = os.path.join(run_dir, METRICS_REWIND), os.path.join(run_dir, LATEST)
    if not os.path.exists(side_path) or not os.path.exists(latest_path):
        return
    with open(side_path, encoding='utf-8') as f:
        lines = [line for line in f.read().split('\n') if line.strip()]
    try:
        header = json.loads(lines[0]) if lines else None
    except json.JSONDecodeError:
        header = None
    ok = isinstance(header, dict) and header.get('event') == 'rewind' and isinstance(header.get('step'), int) and isinstance(header.get('from'), str)
    if ok and header['from'] != _read_json(latest_path, 'pointer').get('dir'):
        path = os.path.join(run_dir, METRICS)
        text = ''
        if os.path.exists(path):
            with open(path, encoding='utf-8') as f:
                text = f.read()
        kept = _lines_up_to(text, header['step']) + lines[1:]
        _write_json_text(path, ''.join(k + '\n' for k in kept))
    os.unlink(side_path)


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
    _write_json_text(path, ''.join(k + '\n' for k in kept))


def _write_json_text(path: str, text: str) -> None:
    tmp = os.path.join(os.path.dirname(path), f'.{os.path.basename(path)}.{os.getpid()}.tmp')
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write(text)
    os.replace(tmp, path)
