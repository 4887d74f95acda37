"""Reading sources and writing converted checkpoints safely.

Sources load with ``weights_only=True`` (:func:`mmdepthpretrain.compat.safe_load`, which
also reads ``.safetensors``). Outputs are an mmengine-style checkpoint
``{'meta': {...}, 'state_dict': {...}}`` holding only tensors and plain Python values, so
they load under ``weights_only=True``; a destination ending in ``.safetensors`` gets the
tensors with the meta as JSON metadata. Files are written to a temporary file in the
destination folder and renamed, so a failed write never leaves a partial checkpoint, and
a destination that is one of the inputs is refused. The destination is checked (not an
input, not existing unless overwriting, its folder writable) before anything is loaded; the
written file gets the mode the user's umask gives, like any file the user creates.
"""
from __future__ import annotations

import json
import os
import os.path as osp
import tempfile
from typing import Any, Dict, Iterable, Mapping, Optional

import torch
from torch import Tensor

__all__ = ['OutputError', 'load_source', 'check_destination', 'save_converted',
           'load_converted']


class OutputError(ValueError):
    """The destination path cannot be used."""


def load_source(path: str) -> Any:
    """Load a source checkpoint with ``weights_only=True`` (or from ``.safetensors``).

    Args:
        path (str): Local file.

    Returns:
        The loaded object.
    """
    from mmdepthpretrain.compat import safe_load
    return safe_load(path, map_location='cpu')


def _real(path: str) -> str:
    return osp.realpath(osp.expanduser(str(path)))


def check_destination(dst: str, inputs: Iterable[str] = (), overwrite: bool = False) -> str:
    """Validate the destination of a conversion.

    Args:
        dst (str): Output path.
        inputs (Iterable[str]): Paths that must never be written (every file read, and the
            source-format files of an input folder).
        overwrite (bool): Allow replacing an existing destination that is not an input.
            Defaults to False.

    Returns:
        str: the expanded destination path.

    Raises:
        OutputError: ``dst`` is an input, a folder, or exists without ``overwrite``.
    """
    dst = osp.expanduser(str(dst))
    real = _real(dst)
    for src in inputs:
        if real == _real(src):
            raise OutputError(f'destination {dst} is an input file ({src}); '
                              'write the converted checkpoint somewhere else')
    if osp.isdir(dst):
        raise OutputError(f'destination {dst} is a folder; give a file name ending in .pth '
                          'or .safetensors')
    if osp.exists(dst) and not overwrite:
        raise OutputError(f'destination {dst} exists; pass --overwrite to replace it')
    _check_writable_folder(dst)
    return dst


def _check_writable_folder(dst: str) -> None:
    """Fail early when the destination's folder cannot be made or written."""
    folder = osp.dirname(osp.abspath(dst))
    probe = folder
    while not osp.exists(probe):
        probe = osp.dirname(probe)
    if not osp.isdir(probe):
        raise OutputError(f'cannot write {dst}: {probe} is a file, not a folder')
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(f'cannot write {dst}: no write permission in {probe}')


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def save_converted(state_dict: Mapping[str, Tensor], dst: str,
                   meta: Optional[Dict[str, Any]] = None) -> str:
    """Write ``{'meta': meta, 'state_dict': state_dict}`` atomically.

    Args:
        state_dict (Mapping[str, Tensor]): Converted weights.
        dst (str): Destination (``.safetensors`` -> safetensors file, else ``torch.save``).
        meta (dict, optional): Plain str/int/float/bool/list/dict values. Defaults to None.

    Returns:
        str: ``dst``.
    """
    meta = dict(meta or {})
    folder = osp.dirname(osp.abspath(dst))
    tensors = {k: v.detach().contiguous() for k, v in state_dict.items()}
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix='.' + osp.basename(dst) + '.', suffix='.tmp',
                                   dir=folder)
    except OSError as exc:
        raise OutputError(f'cannot write {dst}: {exc.strerror or exc}') from None
    os.close(fd)
    # mkstemp creates the file private (0600); a checkpoint gets the user's usual mode
    os.chmod(tmp, 0o666 & ~_umask())
    try:
        if dst.endswith('.safetensors'):
            from safetensors.torch import save_file
            save_file(tensors, tmp, metadata={'format': 'pt',
                                              'mmdepthpretrain_meta': json.dumps(meta)})
        else:
            torch.save(dict(meta=meta, state_dict=tensors), tmp)
        os.replace(tmp, dst)
    except OSError as exc:
        raise OutputError(f'cannot write {dst}: {exc.strerror or exc}') from None
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return dst


def load_converted(path: str) -> Dict[str, Any]:
    """Read a file written by :func:`save_converted` (``weights_only=True``).

    Returns:
        dict: ``{'meta': ..., 'state_dict': ...}``.
    """
    if str(path).endswith('.safetensors'):
        from safetensors import safe_open
        from safetensors.torch import load_file
        with safe_open(path, framework='pt') as f:
            meta = json.loads((f.metadata() or {}).get('mmdepthpretrain_meta', '{}'))
        return dict(meta=meta, state_dict=load_file(path))
    return torch.load(path, map_location='cpu', weights_only=True)
