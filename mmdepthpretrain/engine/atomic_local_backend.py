"""A local file backend whose writes are atomic, for checkpoints that survive a kill.

mmengine's ``LocalBackend.put`` opens the destination and writes into it, so a run killed
while saving ``iter_N.pth`` leaves a truncated file under the final name. This backend
writes every file to a temporary name in the same folder, flushes it to disk, and renames
it over the destination (``os.replace`` is atomic on POSIX and Windows): a reader sees
either the previous complete file or the new complete one, never a part.

Our configs select it for mmengine's ``CheckpointHook`` (``configs/_base_/default_runtime.py``)::

    default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))

which routes the checkpoint files through it (mmengine 0.10.7 writes ``last_checkpoint``
itself with a plain ``open()``, after the checkpoint is complete; a torn
``last_checkpoint`` is handled when resuming, see :mod:`mmdepthpretrain.compat.resume`).
The files are plain mmengine checkpoints: nothing of this plugin is needed to read them.
"""
import os
import os.path as osp
import tempfile
from pathlib import Path
from typing import Union

from mmengine.fileio.backends import LocalBackend, register_backend

__all__ = ['AtomicLocalBackend', 'atomic_write_bytes']


def atomic_write_bytes(data: bytes, filepath: Union[str, Path]) -> None:
    """Write ``data`` to ``filepath`` through a temporary file and a rename.

    The temporary file lives in the destination's folder (a rename across file systems
    would not be atomic), starts with a dot and ends in ``.tmp``, and is removed if the
    write fails. The final file gets the mode the user's umask gives.

    Args:
        data (bytes): The content.
        filepath (str | Path): Destination.
    """
    filepath = str(filepath)
    folder = osp.dirname(osp.abspath(filepath))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{osp.basename(filepath)}.', suffix='.tmp', dir=folder)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        mask = os.umask(0o022)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, filepath)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


@register_backend('atomic_local', force=True)
class AtomicLocalBackend(LocalBackend):
    """mmengine's local backend with atomic ``put`` and ``put_text`` (see module doc)."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write bytes atomically."""
        atomic_write_bytes(obj, filepath)

    def put_text(self, obj: str, filepath: Union[str, Path], encoding: str = 'utf-8') -> None:
        """Write text atomically."""
        atomic_write_bytes(obj.encode(encoding), filepath)
