"""Adaptations the pinned OpenMMLab stack needs, applied without editing installed files.

Importing :mod:`mmdepthpretrain` applies the first two; the last is called by
``tools/train.py`` and ``tools/test.py``.

1. **Safe checkpoint loading on torch >= 2.6.** mmengine 0.10.7 calls ``torch.load`` with
   torch's default, which is ``weights_only=True`` since torch 2.6. Runner checkpoints hold
   one non-tensor tree, ``message_hub.log_scalars``: ``HistoryBuffer`` objects whose
   histories are numpy arrays. Unpickling numpy arrays under numpy 2 asks for numpy's
   reconstruct functions, dtype classes and ``builtins.getattr``, and allowing ``getattr``
   would let a checkpoint call any method of any allowed object, which defeats the point
   of an allow-list. So instead of widening what is loaded we change what is saved:

   * ``HistoryBuffer`` pickles (through :mod:`copyreg`) as a call to
     :func:`_rebuild_history_buffer` with plain Python lists and an int;
   * local checkpoints load with ``weights_only=True`` and an allow-list of exactly
     :func:`_rebuild_history_buffer` (which only builds a ``HistoryBuffer`` from numbers)
     and the two numpy functions that rebuild numpy *scalars* from raw bytes
     (``numpy._core.multiarray.scalar`` and ``numpy.dtype``; Runner checkpoints hold a few
     such scalars in ``message_hub.runtime_info``);
   * a file that needs anything else fails with :class:`UnsafeCheckpointError`, which
     lists the globals the file asks for and the two explicit ways to opt in: the
     ``MMDEPTHPRETRAIN_TRUSTED_CHECKPOINTS`` environment variable (paths, separated by
     ``os.pathsep``) or :func:`trust_checkpoint`. Trusted files load with
     ``weights_only=False``; nothing else does.

   This covers ``resume``, ``load_from`` and ``init_cfg=dict(type='Pretrained')``, which
   all go through mmengine's ``CheckpointLoader`` for local paths.

2. **Readable errors for missing checkpoints** in the same loader (one line naming the
   path).

3. **Distributed training on CPU-only machines** (:func:`setup_cpu_distributed`): mmengine
   calls ``torch.cuda.set_device`` while initialising the process group and wraps the model
   with ``device_ids=[local_rank]``; neither works without a GPU, and SyncBN has no CPU
   kernel. On a machine without CUDA we initialise a gloo process group ourselves (mmengine
   then skips its own initialisation), wrap with :class:`CPUDistributedDataParallel` and
   replace SyncBN by BN. Machines with GPUs keep mmengine's default NCCL path.
"""
from __future__ import annotations

import copyreg
import os
import os.path as osp
import pickle
import warnings

import numpy as np
import torch

__all__ = [
    'UnsafeCheckpointError',
    'safe_load',
    'trust_checkpoint',
    'install_checkpoint_compat',
    'setup_cpu_distributed',
    'teardown_distributed',
]

TRUST_ENV = 'MMDEPTHPRETRAIN_TRUSTED_CHECKPOINTS'
_TRUSTED: set[str] = set()


class UnsafeCheckpointError(RuntimeError):
    """A checkpoint needs Python objects outside the weights-only allow-list."""


# --------------------------------------------------------------------------------------
# HistoryBuffer: saved as plain numbers, restored by an allow-listed function.
# --------------------------------------------------------------------------------------


def _rebuild_history_buffer(log_history: list, count_history: list, max_length: int):
    """Build a ``HistoryBuffer`` from plain numbers (the only code a checkpoint may call)."""
    from mmengine.logging import HistoryBuffer

    if not (isinstance(log_history, list) and isinstance(count_history, list)
            and isinstance(max_length, int)):
        raise UnsafeCheckpointError('malformed HistoryBuffer record in checkpoint')
    buf = HistoryBuffer(max_length=max_length)
    buf._log_history = np.asarray(log_history, dtype=np.float64)
    buf._count_history = np.asarray(count_history, dtype=np.float64)
    return buf


def _reduce_history_buffer(buf):
    """Pickle a ``HistoryBuffer`` as lists of Python floats (see module docstring)."""
    logs = [float(x) for x in np.asarray(buf._log_history).ravel().tolist()]
    counts = [float(x) for x in np.asarray(buf._count_history).ravel().tolist()]
    return _rebuild_history_buffer, (logs, counts, int(buf.max_length))


def _allowed_globals() -> list:
    """Exactly what mmengine Runner checkpoints contain besides tensors and containers.

    ``_rebuild_history_buffer`` (see above) and numpy *scalars* (``message_hub.runtime_info``
    stores e.g. ``eta`` as ``np.float64``): a numpy scalar unpickles through
    ``numpy._core.multiarray.scalar(dtype, raw_bytes)``, ``numpy.dtype`` and the dtype's
    class (``numpy.dtypes.Float64DType`` ...), which build a value from bytes and call
    nothing else. numpy *arrays* are not allowed: under numpy 2
    they need ``builtins.getattr``.
    """
    from numpy._core.multiarray import scalar
    dtype_classes = [type(np.dtype(t)) for t in _SCALAR_TYPES]
    return [_rebuild_history_buffer, scalar, np.dtype, *dtype_classes]


# numpy scalar types whose dtype class may appear in a checkpoint (``np.dtype`` rebuilds
# its instance and sets its state; the class itself has no side effects).
_SCALAR_TYPES = ('bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32',
                 'uint64', 'float16', 'float32', 'float64')


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------


def trust_checkpoint(path: str) -> None:
    """Explicitly trust one checkpoint file: it will load with ``weights_only=False``.

    Only do this for files whose origin you trust; unpickling can run arbitrary code.
    """
    _TRUSTED.add(osp.realpath(osp.expanduser(path)))


def _is_trusted(path: str) -> bool:
    real = osp.realpath(path)
    env = [p for p in os.environ.get(TRUST_ENV, '').split(os.pathsep) if p]
    return real in _TRUSTED or real in {osp.realpath(osp.expanduser(p)) for p in env}


def _unsafe_globals(path: str) -> list[str]:
    try:
        return sorted(set(torch.serialization.get_unsafe_globals_in_checkpoint(path)))
    except Exception:  # noqa: BLE001 - only used to enrich an error message
        return []


def safe_load(path: str, map_location=None):
    """Load a checkpoint file with ``weights_only=True`` and the project's allow-list.

    ``.safetensors`` files are read with :mod:`safetensors` (tensors only).

    Args:
        path (str): Local file path.
        map_location: As for :func:`torch.load`. Defaults to None.

    Returns:
        The loaded object (usually a dict).

    Raises:
        FileNotFoundError: The file does not exist (message names the path).
        UnsafeCheckpointError: The file needs globals outside the allow-list; the message
            lists them and says how to opt in.
    """
    path = osp.expanduser(str(path))
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint file not found: {path}')
    if path.endswith('.safetensors'):
        from safetensors.torch import load_file
        device = map_location if isinstance(map_location, str) else 'cpu'
        return load_file(path, device=device)
    if _is_trusted(path):
        warnings.warn(f'loading trusted checkpoint {path} with weights_only=False', stacklevel=2)
        return torch.load(path, map_location=map_location, weights_only=False)
    try:
        with torch.serialization.safe_globals(_allowed_globals()):
            return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        allowed = {f'{g.__module__}.{g.__qualname__}' for g in _allowed_globals()}
        found = [g for g in _unsafe_globals(path) if g not in allowed]
        reason = [ln for ln in str(exc).splitlines() if 'WeightsUnpickler error' in ln
                  or ln.startswith(('Unsupported', 'Can only'))]
        what = ', '.join(found) if found else (reason[-1] if reason else 'unknown objects')
        raise UnsafeCheckpointError(
            f'{path} contains Python objects outside the weights-only allow-list '
            f'({what}). Loading it would run code from the file. If you trust its '
            f'origin, opt in explicitly with {TRUST_ENV}={path} (paths separated by '
            f"'{os.pathsep}') or mmdepthpretrain.compat.trust_checkpoint(path); or convert "
            'it once to a plain state dict with tools/model_converters/.') from None


def _load_from_local(filename, map_location):
    return safe_load(filename, map_location=map_location)


def install_checkpoint_compat() -> None:
    """Register the HistoryBuffer reducer and the safe local checkpoint loader.

    Idempotent. Called when :mod:`mmdepthpretrain` is imported.
    """
    from mmengine.logging import HistoryBuffer
    from mmengine.runner import CheckpointLoader

    copyreg.pickle(HistoryBuffer, _reduce_history_buffer)
    CheckpointLoader.register_scheme(prefixes='', loader=_load_from_local, force=True)


# --------------------------------------------------------------------------------------
# CPU distributed
# --------------------------------------------------------------------------------------


def _register_cpu_ddp():
    from mmengine.model import MMDistributedDataParallel, revert_sync_batchnorm
    from mmengine.registry import MODEL_WRAPPERS

    if 'CPUDistributedDataParallel' in MODEL_WRAPPERS.module_dict:
        return MODEL_WRAPPERS.get('CPUDistributedDataParallel')

    @MODEL_WRAPPERS.register_module()
    class CPUDistributedDataParallel(MMDistributedDataParallel):
        """``MMDistributedDataParallel`` for CPU processes (gloo).

        Ignores ``device_ids`` (the Runner passes ``[local_rank]``, which DDP rejects for
        CPU modules) and replaces SyncBN, which has no CPU kernel, by BN.
        """

        def __init__(self, module, device_ids=None, **kwargs):
            module = revert_sync_batchnorm(module)
            kwargs.setdefault('broadcast_buffers', False)
            super().__init__(module=module, device_ids=None, **kwargs)

    return CPUDistributedDataParallel


def setup_cpu_distributed(cfg, launcher: str) -> bool:
    """Prepare a CPU-only distributed run (no-op with CUDA or without a launcher).

    Initialises a gloo process group from the ``torchrun`` environment before the Runner is
    built, and selects :class:`CPUDistributedDataParallel` as the model wrapper.

    Args:
        cfg (mmengine.Config): The run's config, updated in place.
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or ``'mpi'``.

    Returns:
        bool: Whether the CPU distributed path was set up.
    """
    if launcher == 'none' or torch.cuda.is_available():
        return False
    import torch.distributed as dist

    _register_cpu_ddp()
    if launcher == 'slurm':
        os.environ.setdefault('RANK', os.environ.get('SLURM_PROCID', '0'))
        os.environ.setdefault('WORLD_SIZE', os.environ.get('SLURM_NTASKS', '1'))
        os.environ.setdefault('LOCAL_RANK', os.environ.get('SLURM_LOCALID', '0'))
    if not dist.is_initialized():
        timeout = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('timeout', 1800)
        import datetime
        dist.init_process_group(backend='gloo',
                                timeout=datetime.timedelta(seconds=timeout))
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    if wrapper.get('type', 'MMDistributedDataParallel') in ('MMDistributedDataParallel',
                                                              'CPUDistributedDataParallel'):
        wrapper['type'] = 'CPUDistributedDataParallel'
        wrapper.setdefault('find_unused_parameters', cfg.get('find_unused_parameters', False))
        cfg.model_wrapper_cfg = wrapper
    cfg.pop('sync_bn', None)
    return True



def teardown_distributed() -> None:
    """Destroy the process group at the end of a run.

    Without it, gloo's background threads can abort a rank at interpreter exit
    ("terminate called without an active exception") after a successful run.
    """
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


# --------------------------------------------------------------------------------------
# mmpretrain beside recent transformers (self-contained; called by mmdepthpretrain/__init__)
# --------------------------------------------------------------------------------------
#
# mmpretrain 1.2.0 imports its multimodal models (BLIP, BLIP-2, OFA, ...) whenever
# ``mmpretrain.utils.dependency.WITH_MULTIMODAL`` is true, i.e. whenever pycocotools and
# transformers >= 4.28 are installed. Those modules import names that recent transformers
# removed from ``transformers.modeling_utils`` (``apply_chunking_to_forward``,
# ``find_pruneable_heads_and_indices``, ``prune_linear_layer``, ``GenerationMixin`` ...),
# so ``import mmpretrain.models`` (and with it mmdet's and mmseg's models) fails with
# ``TypeError: NoneType takes no arguments``. When, and only when, the installed
# transformers lacks those names, the flag is set false right after mmpretrain computes it,
# before ``mmpretrain.models`` reads it: mmpretrain then registers its own "needs the
# multimodal extras" placeholders for those models and everything else imports. Nothing
# installed is edited and transformers is not imported unless mmpretrain is.

_MMPRETRAIN_DEPENDENCY = 'mmpretrain.utils.dependency'
_MULTIMODAL_NAMES = ('PreTrainedModel', 'apply_chunking_to_forward',
                     'find_pruneable_heads_and_indices', 'prune_linear_layer',
                     'GenerationConfig', 'GenerationMixin')


def transformers_serves_mmpretrain_multimodal() -> bool:
    """Whether ``transformers.modeling_utils`` has every name mmpretrain 1.2's models import."""
    try:
        import transformers.modeling_utils as modeling_utils
    except Exception:  # noqa: BLE001 - a broken transformers cannot serve either
        return False
    return all(hasattr(modeling_utils, name) for name in _MULTIMODAL_NAMES)


def _disable_unusable_multimodal(module) -> None:
    if getattr(module, 'WITH_MULTIMODAL', False) and \
            not transformers_serves_mmpretrain_multimodal():
        module.WITH_MULTIMODAL = False


class _PatchingLoader:
    """Runs the real loader of ``mmpretrain.utils.dependency``, then adjusts the flag."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        _disable_unusable_multimodal(module)

    def __getattr__(self, name):  # get_source, get_filename ... of the real loader
        return getattr(self._loader, name)


class _MMPretrainDependencyFinder:
    """Meta-path finder that only wraps the loader of ``mmpretrain.utils.dependency``."""

    def find_spec(self, fullname, path, target=None):
        if fullname != _MMPRETRAIN_DEPENDENCY:
            return None
        import sys
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, 'find_spec'):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, 'exec_module'):
                    spec.loader = _PatchingLoader(spec.loader)
                return spec
        return None


def keep_mmpretrain_importable() -> None:
    """Let ``import mmpretrain.models`` work beside a transformers it cannot use.

    Idempotent and cheap: installs a finder for ``mmpretrain.utils.dependency`` (or adjusts
    the already imported module while ``mmpretrain.models`` is not imported yet). Only
    mmpretrain's multimodal models (BLIP, OFA, ...) are affected, and only when the
    installed transformers could not import them anyway.
    """
    import sys
    module = sys.modules.get(_MMPRETRAIN_DEPENDENCY)
    if module is not None:
        if 'mmpretrain.models' not in sys.modules:
            _disable_unusable_multimodal(module)
        return
    if not any(isinstance(f, _MMPretrainDependencyFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _MMPretrainDependencyFinder())
