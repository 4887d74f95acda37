"""Safe checkpoint loading: ``weights_only=True`` with a small, explicit allow-list.

mmengine 0.10.7 calls ``torch.load`` with torch's default, which is ``weights_only=True``
since torch 2.6. Checkpoints written by our runs hold only tensors and plain Python data
(see :mod:`mmdepthpretrain.compat.portable`), so they load under that default with nothing
allowed. :func:`safe_load` adds exactly what older files need and nothing that can run
code:

* ``mmdepthpretrain.compat._rebuild_history_buffer``, the function files written by
  mmdepthpretrain 0.1.0 call to rebuild a ``HistoryBuffer`` from plain numbers;
* the functions that rebuild numpy *scalars* from raw bytes (``numpy._core.multiarray.
  scalar``, ``numpy.dtype`` and dtype classes): mmengine stores a few such scalars in
  ``message_hub.runtime_info``.

numpy *arrays* stay refused: under numpy 2 they need ``builtins.getattr``, and allowing
``getattr`` would let a checkpoint call any method of any allowed object. A file that needs
anything else fails with :class:`UnsafeCheckpointError`, which lists the globals the file
asks for and the two explicit ways to opt in: the ``MMDEPTHPRETRAIN_TRUSTED_CHECKPOINTS``
environment variable (paths, separated by ``os.pathsep``) or :func:`trust_checkpoint`.
Trusted files load with ``weights_only=False``; nothing else does.

Before loading, the file itself is checked (:mod:`.checkpoint_check`): a file that is not
a checkpoint, is truncated or is corrupt fails with :class:`CorruptCheckpointError`, which
says so, names the file and what to do. The allow-list message is given only for an intact
file that asks for globals outside the list, so random bytes or a partial download are
never presented as "objects outside the allow-list".

:func:`enable_safe_loading` makes mmengine's ``CheckpointLoader`` use :func:`safe_load` for
local paths (``resume``, ``load_from``, ``init_cfg=dict(type='Pretrained')``), with one-line
errors for missing files. It changes the loader for the whole process, so it runs only when
a tool asks for it (never on import).
"""
from __future__ import annotations

import os
import os.path as osp
import pickle
import warnings
from typing import Any, Callable, List, Optional, Union

import numpy as np
import torch

from .checkpoint_check import (
    ZIP_MAGIC,
    CheckpointError,
    CorruptCheckpointError,
    pickle_globals,
    verify_checkpoint,
)

__all__ = [
    'TRUST_ENV',
    'UnsafeCheckpointError',
    'safe_load',
    'trust_checkpoint',
    'enable_safe_loading',
    'safe_loading_enabled',
]

TRUST_ENV = 'MMDEPTHPRETRAIN_TRUSTED_CHECKPOINTS'
_TRUSTED: set[str] = set()
# The name files written by mmdepthpretrain 0.1.0 use for the HistoryBuffer rebuild.
_LEGACY_REBUILD = 'mmdepthpretrain.compat._rebuild_history_buffer'
# numpy scalar types whose dtype class may appear in a checkpoint (``np.dtype`` rebuilds
# its instance and sets its state; the class itself has no side effects).
_SCALAR_TYPES = ('bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32',
                 'uint64', 'float16', 'float32', 'float64')


class UnsafeCheckpointError(CheckpointError):
    """An intact checkpoint needs Python objects outside the weights-only allow-list."""


def _rebuild_history_buffer(log_history: list, count_history: list, max_length: int):
    """Build a ``HistoryBuffer`` from plain numbers (files of mmdepthpretrain 0.1.0).

    Args:
        log_history (list): Logged values.
        count_history (list): Their counts.
        max_length (int): The buffer's window.

    Returns:
        mmengine.logging.HistoryBuffer: The rebuilt buffer.
    """
    from mmengine.logging import HistoryBuffer

    if not (isinstance(log_history, list) and isinstance(count_history, list)
            and isinstance(max_length, int)):
        raise UnsafeCheckpointError('malformed HistoryBuffer record in checkpoint')
    buf = HistoryBuffer(max_length=max_length)
    buf._log_history = np.asarray(log_history, dtype=np.float64)
    buf._count_history = np.asarray(count_history, dtype=np.float64)
    return buf


def _allowed_globals() -> List[Union[Callable, tuple]]:
    """The allow-list: the legacy HistoryBuffer rebuild and numpy scalar construction.

    A numpy scalar unpickles through ``numpy._core.multiarray.scalar(dtype, raw_bytes)``,
    ``numpy.dtype`` and the dtype's class (``numpy.dtypes.Float64DType`` ...), which build a
    value from bytes and call nothing else.
    """
    from numpy._core.multiarray import scalar
    dtype_classes = [type(np.dtype(t)) for t in _SCALAR_TYPES]
    return [(_rebuild_history_buffer, _LEGACY_REBUILD), scalar, np.dtype, *dtype_classes]


def _allowed_names() -> set:
    return {g[1] if isinstance(g, tuple) else f'{g.__module__}.{g.__qualname__}'
            for g in _allowed_globals()}


def trust_checkpoint(path: str) -> None:
    """Explicitly trust one checkpoint file: it will load with ``weights_only=False``.

    Only do this for files whose origin you trust; unpickling can run arbitrary code.

    Args:
        path (str): The file to trust.
    """
    _TRUSTED.add(osp.realpath(osp.expanduser(path)))


def _is_trusted(path: str) -> bool:
    real = osp.realpath(path)
    env = [p for p in os.environ.get(TRUST_ENV, '').split(os.pathsep) if p]
    return real in _TRUSTED or real in {osp.realpath(osp.expanduser(p)) for p in env}


def _unsafe_globals(path: str) -> list[str]:
    """Globals the file names that neither torch nor this allow-list admits."""
    from torch import _weights_only_unpickler as wou

    admitted = set(wou._get_allowed_globals()) | set(wou._get_user_allowed_globals())
    admitted |= _allowed_names()
    try:
        return [g for g in pickle_globals(path) if g not in admitted]
    except Exception:  # noqa: BLE001 - only used to choose and enrich the message
        return []


def _refused(path: str, exc: Exception) -> Exception:
    """The error for an intact file that the weights-only unpickler refused."""
    found = _unsafe_globals(path)
    reason = [ln for ln in str(exc).splitlines() if 'WeightsUnpickler error' in ln
              or ln.startswith(('Unsupported', 'Can only'))]
    opt_in = (f'If you trust its origin, opt in explicitly with {TRUST_ENV}={path} (paths '
              f"separated by '{os.pathsep}') or mmdepthpretrain.compat.trust_checkpoint(path); "
              'or convert it once to a plain state dict with tools/model_converters/.')
    if found:
        return UnsafeCheckpointError(
            f'{path} contains Python objects outside the weights-only allow-list '
            f'({", ".join(found)}). Loading it would run code from the file. {opt_in}')
    what = reason[-1].strip() if reason else str(exc).splitlines()[0]
    return UnsafeCheckpointError(
        f'{path} is an intact checkpoint that the weights-only loader refuses ({what}). '
        f'{opt_in}')


def safe_load(path: str, map_location: Optional[Any] = None, mmap: bool = False) -> Any:
    """Load a checkpoint file with ``weights_only=True`` and the project's allow-list.

    The file is checked first (:func:`~mmdepthpretrain.compat.checkpoint_check.
    verify_checkpoint`: the zip directory, every member's CRC-32, the pickle), so a file
    that is not a checkpoint, is truncated or is corrupt is named as such. ``.safetensors``
    files are read with :mod:`safetensors` (tensors only). The allow-list is applied for
    this call only (``torch.serialization.safe_globals``); torch's global list is left
    unchanged.

    Args:
        path (str): Local file path.
        map_location: As for :func:`torch.load`. Defaults to None.
        mmap (bool): Map the tensors' storage instead of reading it (zip files; others
            are read). Defaults to False.

    Returns:
        The loaded object (usually a dict).

    Raises:
        FileNotFoundError: The file does not exist (message names the path).
        CorruptCheckpointError: The file is not a checkpoint, is truncated or is corrupt.
        UnsafeCheckpointError: The file is intact but needs globals outside the
            allow-list; the message lists them and says how to opt in.
    """
    path = osp.expanduser(str(path))
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint file not found: {path}')
    verify_checkpoint(path)
    if path.endswith('.safetensors'):
        from safetensors.torch import load_file
        device = map_location if isinstance(map_location, str) else 'cpu'
        return load_file(path, device=device)
    mmap = mmap and _is_zip(path)
    if _is_trusted(path):
        warnings.warn(f'loading trusted checkpoint {path} with weights_only=False', stacklevel=2)
        return torch.load(path, map_location=map_location, weights_only=False, mmap=mmap)
    try:
        with torch.serialization.safe_globals(_allowed_globals()):
            return torch.load(path, map_location=map_location, weights_only=True, mmap=mmap)
    except pickle.UnpicklingError as exc:
        raise _refused(path, exc) from None
    except (RuntimeError, EOFError, ValueError, OSError) as exc:
        # the container passed; torch still failed reading it (e.g. legacy storages)
        text = str(exc)
        if isinstance(exc, EOFError) or 'unexpected EOF' in text:
            raise CorruptCheckpointError(path, 'truncated', 'its tensor data ends early'
                                         ) from None
        if 'PytorchStreamReader' in text or 'corrupt' in text.lower():
            raise CorruptCheckpointError(path, 'corrupt', text.splitlines()[0]) from None
        raise


def _is_zip(path: str) -> bool:
    with open(path, 'rb') as f:
        return f.read(4) == ZIP_MAGIC


def _load_from_local(filename: str, map_location: Optional[Any]) -> Any:
    """``CheckpointLoader`` scheme for local paths (the ``''`` prefix)."""
    return safe_load(filename, map_location=map_location)


def enable_safe_loading() -> None:
    """Make mmengine's ``CheckpointLoader`` load local files with :func:`safe_load`.

    Idempotent. Process-wide: called by ``tools/train.py``, ``tools/test.py`` and
    :class:`~mmdepthpretrain.compat.CompatRunner`, never on import.
    """
    from mmengine.runner import CheckpointLoader

    CheckpointLoader.register_scheme(prefixes='', loader=_load_from_local, force=True)


def safe_loading_enabled() -> bool:
    """Whether :func:`enable_safe_loading` is in effect for local paths.

    Returns:
        bool: True when ``CheckpointLoader`` routes local paths to :func:`safe_load`.
    """
    from mmengine.runner import CheckpointLoader

    return CheckpointLoader._schemes.get('') is _load_from_local
