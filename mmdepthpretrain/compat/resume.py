"""Which checkpoint a resume continues from, and with which seed.

mmengine's automatic resume reads ``work_dir/last_checkpoint``; an empty file (a kill while
mmengine rewrites it) or one naming a deleted checkpoint fails deep inside the Runner.
:func:`find_resume_checkpoint` falls back to the newest ``iter_N.pth`` / ``epoch_N.pth``
in the folder instead. :func:`prepare_resume` (called by :func:`~mmdepthpretrain.compat.
build_runner` and :class:`~mmdepthpretrain.compat.CompatRunner`) resolves the checkpoint
before the Runner is built, checks that it loads (a truncated or corrupt file is named
before anything is built), takes the run's seed from it (mmengine builds the samplers and
worker seeds before it reads the checkpoint's seed, so a run without a fixed seed would
resume with other ones) and removes the partial files an interrupted atomic save left.
"""
from __future__ import annotations

import os
import os.path as osp
import re
from typing import Optional

from mmengine.logging import print_log

__all__ = ['find_resume_checkpoint', 'checkpoint_seed', 'prepare_resume',
           'remove_partial_saves']

_CHECKPOINT = re.compile(r'^(iter|epoch)_(\d+)\.pth$')
# The temporary name AtomicLocalBackend writes to: ``.<name>.<random>.tmp``.
_PARTIAL = re.compile(r'^\.(?P<name>.+)\.[A-Za-z0-9_]{6,}\.tmp$')


def _is_main_process() -> bool:
    """Rank 0, also before mmengine initialises the process group (from the launcher's
    environment)."""
    from mmengine.dist import get_rank, is_distributed
    if is_distributed():
        return get_rank() == 0
    return int(os.environ.get('RANK', os.environ.get('SLURM_PROCID', '0'))) == 0


def _newest_checkpoint(work_dir: str) -> Optional[str]:
    found = []
    for name in os.listdir(work_dir):
        match = _CHECKPOINT.match(name)
        if match and osp.isfile(osp.join(work_dir, name)):
            found.append((match.group(1) == 'iter', int(match.group(2)), name))
    return osp.join(work_dir, max(found)[2]) if found else None


def find_resume_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint an automatic resume continues from.

    ``last_checkpoint`` when it names an existing file; otherwise (missing, empty, or naming
    a deleted file) the newest ``iter_N.pth`` (else ``epoch_N.pth``) in ``work_dir``, with a
    warning.

    Args:
        work_dir (str): The run's folder.

    Returns:
        str | None: The checkpoint, or None when the folder holds none.
    """
    if not osp.isdir(work_dir):
        return None
    named = None
    marker = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(marker):
        with open(marker) as f:
            named = f.read().strip()
        if named and osp.isfile(named):
            return named
    newest = _newest_checkpoint(work_dir)
    if named is not None and newest is not None:
        why = f'names {named}, which does not exist' if named else 'is empty'
        print_log(f'{marker} {why}; resuming from the newest checkpoint in the folder, '
                  f'{newest}', logger='current', level=30)
    return newest


def checkpoint_seed(path: str) -> Optional[int]:
    """The seed a checkpoint's run used (``meta.seed``), loading it safely.

    Args:
        path (str): A Runner checkpoint.

    Returns:
        int | None: The seed, or None when the file records none.

    Raises:
        CorruptCheckpointError, UnsafeCheckpointError, FileNotFoundError: As
            :func:`~mmdepthpretrain.compat.safe_load`.
    """
    from .loading import safe_load

    ckpt = safe_load(path, map_location='cpu', mmap=True)
    meta = ckpt.get('meta') if isinstance(ckpt, dict) else None
    seed = meta.get('seed') if isinstance(meta, dict) else None
    return int(seed) if isinstance(seed, int) else None


def remove_partial_saves(work_dir: str) -> list:
    """Delete the temporary files of saves that a kill interrupted.

    Only names of the form ``.<file>.<random>.tmp`` (what
    :class:`~mmdepthpretrain.engine.AtomicLocalBackend` writes before its rename) are
    touched; the complete files they would have replaced are not.

    Args:
        work_dir (str): The run's folder.

    Returns:
        list[str]: The files removed.
    """
    removed = []
    if not osp.isdir(work_dir):
        return removed
    for name in sorted(os.listdir(work_dir)):
        if _PARTIAL.match(name) and osp.isfile(osp.join(work_dir, name)):
            try:
                os.remove(osp.join(work_dir, name))
            except FileNotFoundError:
                continue
            removed.append(name)
    if removed:
        print_log(f'removed {len(removed)} partial file(s) left by an interrupted save in '
                  f'{work_dir}: {", ".join(removed)}', logger='current', level=30)
    return removed


def prepare_resume(cfg) -> None:
    """Resolve, check and seed a resume before the Runner is built (no-op otherwise).

    ``cfg.resume`` with ``cfg.load_from`` None (automatic) gets the checkpoint of
    :func:`find_resume_checkpoint`; the checkpoint's seed replaces ``randomness.seed``
    (with a warning when the config set another one), as mmengine intends but applies too
    late for the samplers and data-loader workers.

    Args:
        cfg (mmengine.Config): The run's config, updated in place.

    Raises:
        CorruptCheckpointError, UnsafeCheckpointError, FileNotFoundError: The checkpoint
            does not load.
    """
    if not cfg.get('resume', False):
        return
    work_dir = cfg.get('work_dir')
    if work_dir and _is_main_process():
        remove_partial_saves(work_dir)
    path = cfg.get('load_from')
    if path is None:
        path = find_resume_checkpoint(work_dir) if work_dir else None
        if path is None:
            return  # nothing to resume: mmengine trains from the start
        cfg.load_from = path
    if '://' in str(path):
        return
    seed = checkpoint_seed(path)
    if seed is None:
        return
    randomness = dict(cfg.get('randomness') or {})
    if randomness.get('seed') not in (None, seed):
        print_log(f'randomness.seed={randomness["seed"]} differs from the seed of {path} '
                  f'({seed}); the resumed run uses {seed}', logger='current', level=30)
    randomness['seed'] = seed
    cfg.randomness = randomness
