"""Resume that continues the interrupted run's random numbers.

Where a training run draws random numbers:

* **the main process's global generators**: torch (CPU and every CUDA device), numpy and
  Python's :mod:`random`. The training step draws from them (the colour jitter of
  ``MultiFrameDataPreProcessor``, the automask noise of the photometric loss, dropout);
  with ``num_workers=0`` the data pipeline does too (flips, crops); creating a data-loader
  iterator draws its base seed from torch's.
* **data-loader workers**: mmengine's ``worker_init_fn`` seeds each worker from
  ``seed + num_workers * rank + worker_id`` (neither the epoch nor the iteration enters);
  a worker then draws for the batches it loads, which are dealt round robin.
* **samplers**: their own generator, seeded with the run's seed (and the epoch).

mmengine saves none of the first kind. On resume, ``IterBasedTrainLoop`` reads the
batches before the resume point again ("Advance dataloader N steps"): that replays the
sampler and every worker exactly (each worker loads the same batches in the same order,
with or without ``persistent_workers``) and, with ``num_workers=0``, the pipeline's draws
on the main generators, but not the training steps' draws.

:class:`RandomStateHook` closes that gap:

* when a checkpoint is saved, the main generators of every rank go into
  ``checkpoint['random_state']`` as plain tensors and numbers (the file still loads with
  ``torch.load(weights_only=True)`` and without this package);
* on resume they are restored right before the first batch after the resume point is
  fetched, that is after mmengine's replay, which moves them;
* validation and testing draw from a copy: the generators are saved when a validation
  starts and put back when it ends, so when and how often a run validates does not change
  its training (nor what a resume must restore).

With a seed, ``resume`` then reproduces the uninterrupted run bit for bit on the CPU
(weights, optimizer state, every logged loss; ``tests/test_tools/test_checkpoints.py``,
also with data-loader workers and with two processes).

Limits. On GPUs exact equality is not reachable for these models: the backward passes of
``grid_sample`` (the photometric warping), bilinear ``interpolate`` and reflection padding
use atomic additions, and ``randomness.deterministic=True`` makes torch refuse them (and
``NLLLoss`` on CUDA) with a ``RuntimeError`` instead of running a deterministic version,
so GPU runs train with ``deterministic=False``. Two uninterrupted GPU runs with the same
seed may then differ in the last bits from the first backward pass on (the order of those
additions varies), and the difference grows with training like any perturbation (not
measured here: no GPU); the bound for a resumed run is that spread:
restoring the random state removes the systematic part (other jitter, noise and dropout
draws), so a resumed run is as close to the uninterrupted one as a second uninterrupted run
is. ``EpochBasedTrainLoop`` resumes exactly from end-of-epoch checkpoints with
non-persistent workers; persistent workers keep their generators in the worker processes,
which no checkpoint can hold.
"""
from __future__ import annotations

import random
from typing import List, Optional

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.hooks import CheckpointHook, Hook
from mmengine.logging import print_log
from mmengine.registry import HOOKS

__all__ = ['RandomStateHook', 'get_random_state', 'set_random_state']

_VERSION = 1


def get_random_state() -> dict:
    """This process's global generators as plain tensors and numbers.

    Returns:
        dict: ``torch`` (uint8 tensor), ``numpy`` and ``python`` (dicts of int64 tensors
        and numbers), and ``cuda`` (a list of uint8 tensors, one per device) when CUDA is
        initialised.
    """
    algorithm, keys, pos, has_gauss, cached = np.random.get_state(legacy=True)
    version, internal, gauss_next = random.getstate()
    state = dict(
        torch=torch.get_rng_state(),
        numpy=dict(algorithm=str(algorithm), keys=torch.from_numpy(keys.astype(np.int64)),
                   pos=int(pos), has_gauss=int(has_gauss), cached_gaussian=float(cached)),
        python=dict(version=int(version), internal=torch.tensor(internal, dtype=torch.int64),
                    gauss_next=gauss_next))
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_random_state(state: dict) -> None:
    """Restore what :func:`get_random_state` returned (tensors may be on any device).

    Args:
        state (dict): One process's state.
    """
    torch.set_rng_state(state['torch'].cpu().to(torch.uint8))
    npy = state['numpy']
    np.random.set_state((npy['algorithm'], npy['keys'].cpu().numpy().astype(np.uint32),
                         int(npy['pos']), int(npy['has_gauss']), float(npy['cached_gaussian'])))
    py = state['python']
    random.setstate((int(py['version']), tuple(int(v) for v in py['internal'].tolist()),
                     py['gauss_next']))
    cuda = state.get('cuda')
    if cuda and torch.cuda.is_available():
        count = min(len(cuda), torch.cuda.device_count())
        torch.cuda.set_rng_state_all([t.cpu().to(torch.uint8) for t in cuda[:count]])


def _checkpoint_after_iter(runner) -> bool:
    """Whether a ``CheckpointHook`` of ``runner`` saves after the current iteration."""
    for hook in runner.hooks:
        if isinstance(hook, CheckpointHook) and not hook.by_epoch and (
                hook.every_n_train_iters(runner, hook.interval, hook.save_begin)
                or (hook.save_last and hook.is_last_train_iter(runner))):
            return True
    return False


def _checkpoint_after_epoch(runner) -> bool:
    """Whether a ``CheckpointHook`` of ``runner`` saves after the current epoch."""
    for hook in runner.hooks:
        if isinstance(hook, CheckpointHook) and hook.by_epoch and (
                hook.every_n_epochs(runner, hook.interval, hook.save_begin)
                or (hook.save_last and hook.is_last_train_epoch(runner))):
            return True
    return False


class _RestoreBeforeNext:
    """The train loop's data iterator, wrapped: ``skip`` batches pass through (mmengine's
    replay), then the random state is restored and the wrapper removes itself before the
    next batch is fetched."""

    def __init__(self, loop, iterator, skip: int, restore) -> None:
        self._loop, self._iterator, self._skip, self._restore = loop, iterator, skip, restore

    def __iter__(self):
        return self

    def __next__(self):
        if self._skip > 0:
            self._skip -= 1
            return next(self._iterator)
        self._restore()
        self._loop.dataloader_iterator = self._iterator
        return next(self._iterator)

    def __getattr__(self, name):
        return getattr(self._iterator, name)


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Save the global random generators in checkpoints and restore them on resume.

    :class:`~mmdepthpretrain.compat.CompatRunner` and our tools register it on every
    Runner (see the module docstring for what it does and its limits); add it with
    ``custom_hooks=[dict(type='RandomStateHook')]`` to another runner. Its ``LOW`` priority
    takes the state after the training step's hooks and before ``CheckpointHook``
    (``VERY_LOW``) writes the file.
    """

    priority = 'LOW'

    def __init__(self) -> None:
        self._gathered: Optional[tuple] = None  # (iteration, [state of each rank])
        self._pending: Optional[List[dict]] = None  # states to restore after a resume
        self._val_state: Optional[dict] = None

    # -- saving ----------------------------------------------------------------------
    def _gather(self, runner) -> None:
        """Take every rank's state now (a collective: every rank calls it)."""
        local = get_random_state()
        states = all_gather_object(local) if get_world_size() > 1 else [local]
        self._gathered = (runner.iter, states)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        """Take the state of every rank when a checkpoint follows this iteration."""
        if get_world_size() > 1 and _checkpoint_after_iter(runner):
            self._gather(runner)

    def after_train_epoch(self, runner) -> None:
        """Take the state of every rank when a checkpoint follows this epoch."""
        if get_world_size() > 1 and _checkpoint_after_epoch(runner):
            self._gather(runner)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Write ``checkpoint['random_state']`` (called on the main process only)."""
        if self._val_state is not None:  # saved during validation (a best checkpoint)
            states = self._val_state['ranks']
        elif get_world_size() == 1:
            states = [get_random_state()]
        elif self._gathered is not None and self._gathered[0] == runner.iter:
            states = self._gathered[1]
        else:
            print_log('RandomStateHook: the random state of the other ranks was not taken '
                      'before this save; a resume from it will not continue their random '
                      'numbers', logger='current', level=30)
            states = [get_random_state()]
        checkpoint['random_state'] = dict(version=_VERSION, world_size=get_world_size(),
                                          ranks=states)

    # -- restoring -------------------------------------------------------------------
    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """On resume, keep this rank's saved state for :meth:`before_train`."""
        if not getattr(runner, '_resume', False):
            return  # load_from (fine-tuning): the new run keeps its own random numbers
        saved = checkpoint.get('random_state')
        if not isinstance(saved, dict) or not saved.get('ranks'):
            print_log('RandomStateHook: the checkpoint holds no random state; the resumed run '
                      'draws other random numbers than the interrupted one would have',
                      logger='current', level=30)
            return
        if len(saved['ranks']) != get_world_size():
            print_log(f'RandomStateHook: the checkpoint holds the random state of '
                      f'{len(saved["ranks"])} process(es), this run has {get_world_size()}; '
                      'not restored', logger='current', level=30)
            return
        self._pending = saved['ranks']

    def _restore(self) -> None:
        if self._pending is None:
            return
        set_random_state(self._pending[get_rank()])
        self._pending = None
        print_log('RandomStateHook: restored the random state saved with the checkpoint',
                  logger='current')

    def before_train(self, runner) -> None:
        """Restore before the first batch after mmengine's replay of the resumed part."""
        loop = runner.train_loop
        if self._pending is not None and hasattr(loop, 'dataloader_iterator'):
            loop.dataloader_iterator = _RestoreBeforeNext(
                loop, loop.dataloader_iterator, runner.iter, self._restore)

    def before_train_epoch(self, runner) -> None:
        """Epoch-based loops: restore before the first epoch after the resume."""
        if not hasattr(runner.train_loop, 'dataloader_iterator'):
            self._restore()

    # -- validation and testing draw from a copy ---------------------------------------
    def before_val(self, runner) -> None:
        """Keep the training state (of every rank) while validation draws."""
        if get_world_size() > 1:
            self._gather(runner)
            states = self._gathered[1]
        else:
            states = [get_random_state()]
        self._val_state = dict(ranks=states)

    def after_val(self, runner) -> None:
        """Put the training state back."""
        if self._val_state is not None:
            set_random_state(self._val_state['ranks'][get_rank()])
            self._val_state = None

    def before_test(self, runner) -> None:
        """As :meth:`before_val`."""
        self.before_val(runner)

    def after_test(self, runner) -> None:
        """As :meth:`after_val`."""
        self.after_val(runner)
