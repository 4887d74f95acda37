"""A Runner with the host adaptations applied, and the builder our tools use."""
from __future__ import annotations

import copy

from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from .distributed import setup_cpu_distributed
from .loading import enable_safe_loading
from .portable import PortableCheckpointHook

__all__ = ['CompatRunner', 'add_portable_hook', 'build_runner']


def add_portable_hook(runner: Runner) -> None:
    """Register :class:`PortableCheckpointHook` on ``runner`` unless it has one already.

    Args:
        runner (Runner): A built runner (before ``train()``/``test()``).
    """
    if not any(isinstance(hook, PortableCheckpointHook) for hook in runner.hooks):
        runner.register_hook(PortableCheckpointHook())


@RUNNERS.register_module()
class CompatRunner(Runner):
    """mmengine's ``Runner`` with the adaptations the pinned stack needs.

    Selected in a config with ``runner_type = 'CompatRunner'`` (mmseg's, mmdet's and
    mmpretrain's ``tools/train.py`` and mmdet's ``tools/test.py`` honour it). Compared with
    ``Runner`` it

    * loads local checkpoints with :func:`~mmdepthpretrain.compat.safe_load`
      (:func:`~mmdepthpretrain.compat.enable_safe_loading`);
    * saves the message hub as plain data and restores it on resume
      (:class:`~mmdepthpretrain.compat.PortableCheckpointHook`);
    * trains and tests distributed on CPU-only machines when built with :meth:`from_cfg`
      (:func:`~mmdepthpretrain.compat.setup_cpu_distributed`).

    Args:
        *args: As for ``Runner``.
        **kwargs: As for ``Runner``.
    """

    def __init__(self, *args, **kwargs):
        enable_safe_loading()
        super().__init__(*args, **kwargs)
        add_portable_hook(self)

    @classmethod
    def from_cfg(cls, cfg) -> CompatRunner:
        """Build from a config, preparing a CPU distributed run first when needed.

        Args:
            cfg (mmengine.Config): The run's config (not modified).

        Returns:
            CompatRunner: The runner.
        """
        cfg = copy.deepcopy(cfg)
        setup_cpu_distributed(cfg, cfg.get('launcher', 'none'))
        return super().from_cfg(cfg)


def build_runner(cfg) -> Runner:
    """Build the Runner of a config with the host adaptations applied.

    A config without ``runner_type`` gets :class:`CompatRunner`; one naming another runner
    gets that runner with the same adaptations applied around it.

    Args:
        cfg (mmengine.Config): The run's config (``launcher`` set); a CPU distributed run
            updates its ``model_wrapper_cfg`` in place.

    Returns:
        Runner: The runner, ready for ``train()`` or ``test()``.
    """
    if 'runner_type' not in cfg:
        return CompatRunner.from_cfg(cfg)
    enable_safe_loading()
    setup_cpu_distributed(cfg, cfg.get('launcher', 'none'))
    runner = RUNNERS.build(cfg)
    add_portable_hook(runner)
    return runner
