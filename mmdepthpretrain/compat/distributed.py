"""Distributed training and testing on CPU-only machines (gloo).

mmengine calls ``torch.cuda.set_device`` while initialising the process group and wraps
the model with ``device_ids=[local_rank]``; neither works without a GPU, and SyncBN has no
CPU kernel. :func:`setup_cpu_distributed` (called by our tools and by
:class:`~mmdepthpretrain.compat.CompatRunner` before the Runner is built) initialises a gloo
process group itself, so mmengine skips its own initialisation, selects
:class:`CPUDistributedDataParallel` and drops ``sync_bn``. Machines with GPUs keep
mmengine's default NCCL path.
"""
from __future__ import annotations

import atexit
import datetime
import os

import torch
from mmengine.model import MMDistributedDataParallel, revert_sync_batchnorm
from mmengine.registry import MODEL_WRAPPERS

__all__ = ['CPUDistributedDataParallel', 'setup_cpu_distributed', 'teardown_distributed']


@MODEL_WRAPPERS.register_module()
class CPUDistributedDataParallel(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` for CPU processes (gloo).

    Ignores ``device_ids`` (the Runner passes ``[local_rank]``, which DDP rejects for CPU
    modules) and replaces SyncBN, which has no CPU kernel, by BN.

    Args:
        module (torch.nn.Module): The model.
        device_ids (list, optional): Ignored. Defaults to None.
        **kwargs: Passed to ``MMDistributedDataParallel``; ``broadcast_buffers`` defaults
            to False as in mmengine's Runner.
    """

    def __init__(self, module, device_ids=None, **kwargs):
        module = revert_sync_batchnorm(module)
        kwargs.setdefault('broadcast_buffers', False)
        super().__init__(module=module, device_ids=None, **kwargs)


def setup_cpu_distributed(cfg, launcher: str) -> bool:
    """Prepare a CPU-only distributed run (no-op with CUDA or without a launcher).

    Initialises a gloo process group from the ``torchrun`` (or Slurm) environment before
    the Runner is built, selects :class:`CPUDistributedDataParallel` as the model wrapper
    and registers :func:`teardown_distributed` to run at exit.

    Args:
        cfg (mmengine.Config): The run's config, updated in place.
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or ``'mpi'``.

    Returns:
        bool: Whether the CPU distributed path was set up.
    """
    if launcher == 'none' or torch.cuda.is_available():
        return False
    import torch.distributed as dist

    if launcher == 'slurm':
        os.environ.setdefault('RANK', os.environ.get('SLURM_PROCID', '0'))
        os.environ.setdefault('WORLD_SIZE', os.environ.get('SLURM_NTASKS', '1'))
        os.environ.setdefault('LOCAL_RANK', os.environ.get('SLURM_LOCALID', '0'))
    if not dist.is_initialized():
        timeout = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('timeout', 1800)
        dist.init_process_group(backend='gloo', timeout=datetime.timedelta(seconds=timeout))
        atexit.register(teardown_distributed)
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    if wrapper.get('type', 'MMDistributedDataParallel') in ('MMDistributedDataParallel',
                                                              'CPUDistributedDataParallel'):
        wrapper['type'] = 'CPUDistributedDataParallel'
        wrapper.setdefault('find_unused_parameters', cfg.get('find_unused_parameters', False))
        cfg.model_wrapper_cfg = wrapper
    cfg.pop('sync_bn', None)
    return True


def teardown_distributed() -> None:
    """Destroy the process group at the end of a run (idempotent).

    Without it, gloo's background threads can abort a rank at interpreter exit
    ("terminate called without an active exception") after a successful run.
    """
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
