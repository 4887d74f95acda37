"""A Runner with the host adaptations applied, and the builder our tools use."""
from __future__ import annotations

import copy

from mmengine.dist import get_rank, get_world_size
from mmengine.logging import print_log
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from .compiler import compile_step, resolve_compile
from .distributed import setup_cpu_distributed
from .finite_loss import FiniteLossHook
from .loading import enable_safe_loading
from .portable import PortableCheckpointHook
from .random_state import RandomStateHook
from .resume import find_resume_checkpoint, prepare_resume

__all__ = ['CompatRunner', 'add_compat_hooks', 'add_portable_hook', 'build_runner',
           'prepare_cfg', 'COMPAT_HOOKS']

# The hooks every runner of our tools gets (unless the config already has them).
COMPAT_HOOKS = (PortableCheckpointHook, RandomStateHook, FiniteLossHook)


def add_compat_hooks(runner: Runner) -> None:
    """Register each hook of :data:`COMPAT_HOOKS` on ``runner`` unless it has one already.

    Args:
        runner (Runner): A built runner (before ``train()``/``test()``).
    """
    for hook_type in COMPAT_HOOKS:
        if not any(isinstance(hook, hook_type) for hook in runner.hooks):
            runner.register_hook(hook_type())


def add_portable_hook(runner: Runner) -> None:
    """Register :class:`PortableCheckpointHook` on ``runner`` unless it has one already.

    Args:
        runner (Runner): A built runner (before ``train()``/``test()``).
    """
    if not any(isinstance(hook, PortableCheckpointHook) for hook in runner.hooks):
        runner.register_hook(PortableCheckpointHook())


def _atomic_checkpoints(cfg) -> None:
    """Let mmengine's ``CheckpointHook`` write through the ``atomic_local`` backend when
    the config chose no backend and the checkpoints stay on the local disk."""
    hook = (cfg.get('default_hooks') or {}).get('checkpoint')
    if not isinstance(hook, dict):
        return
    if hook.get('max_keep_ckpts') == 1:
        print_log('default_hooks.checkpoint.max_keep_ckpts=1: mmengine deletes the previous '
                  'checkpoint before it writes the next one, so a kill during a save leaves '
                  'none; keep at least 2', logger='current', level=30)
    if hook.get('type') not in ('CheckpointHook', None):
        return
    if hook.get('backend_args') is not None or hook.get('file_client_args') is not None:
        return
    if '://' in str(hook.get('out_dir') or ''):
        return
    hook['backend_args'] = dict(backend='atomic_local')


def _check_compile(cfg) -> None:
    """Turn ``cfg.compile`` off (one warning) when ``torch.compile`` does not work here."""
    if cfg.get('compile') not in (None, False) and resolve_compile(cfg.compile) is None:
        cfg.compile = False


def prepare_cfg(cfg, launcher: str) -> None:
    """What our tools and :class:`CompatRunner` do to a config before building the Runner.

    CPU distributed setup (:func:`~mmdepthpretrain.compat.setup_cpu_distributed`), atomic
    checkpoint writes for ``CheckpointHook`` (``backend_args=dict(backend='atomic_local')``
    when the config sets no backend and ``out_dir`` is local), the resume checks of
    :func:`~mmdepthpretrain.compat.prepare_resume`, and ``compile`` turned off with one
    warning when ``torch.compile`` does not work on this machine
    (:func:`~mmdepthpretrain.compat.resolve_compile`).

    Args:
        cfg (mmengine.Config): The run's config, updated in place.
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or ``'mpi'``.
    """
    setup_cpu_distributed(cfg, launcher)
    _atomic_checkpoints(cfg)
    prepare_resume(cfg)
    _check_compile(cfg)


@RUNNERS.register_module()
class CompatRunner(Runner):
    """mmengine's ``Runner`` with the adaptations the pinned stack needs.

    Selected in a config with ``runner_type = 'CompatRunner'`` (mmseg's, mmdet's and
    mmpretrain's ``tools/train.py`` and mmdet's ``tools/test.py`` honour it). Compared with
    ``Runner`` it

    * loads local checkpoints with :func:`~mmdepthpretrain.compat.safe_load`, which names
      truncated and corrupt files (:func:`~mmdepthpretrain.compat.enable_safe_loading`);
    * saves the message hub as plain data and restores it on resume
      (:class:`~mmdepthpretrain.compat.PortableCheckpointHook`), saves and restores the
      random state (:class:`~mmdepthpretrain.compat.RandomStateHook`) and stops at a
      non-finite loss (:class:`~mmdepthpretrain.compat.FiniteLossHook`);
    * resumes automatically from the newest complete checkpoint when ``last_checkpoint``
      is empty or names a missing file;
    * logs every rank of a distributed run to its own file
      (``<timestamp>_..._rank<r>.log`` next to rank 0's ``<timestamp>.log``);
    * when built with :meth:`from_cfg`: trains and tests distributed on CPU-only machines,
      writes ``CheckpointHook``'s files atomically and checks a resume's checkpoint before
      building anything (:func:`prepare_cfg`);
    * with ``compile`` in the config (mmengine's ``compile=True`` or a dict of
      ``torch.compile`` arguments), compiles ``train_step`` only where ``torch.compile``
      works (else one warning and eager training), and falls back to the eager step, with
      one warning, if compiling fails later (:func:`~mmdepthpretrain.compat.compile_step`).

    Args:
        *args: As for ``Runner``.
        **kwargs: As for ``Runner``.
    """

    def __init__(self, *args, **kwargs):
        enable_safe_loading()
        super().__init__(*args, **kwargs)
        add_compat_hooks(self)

    @classmethod
    def from_cfg(cls, cfg) -> CompatRunner:
        """Build from a config after :func:`prepare_cfg`.

        Args:
            cfg (mmengine.Config): The run's config (not modified).

        Returns:
            CompatRunner: The runner.
        """
        cfg = copy.deepcopy(cfg)
        prepare_cfg(cfg, cfg.get('launcher', 'none'))
        return super().from_cfg(cfg)

    def build_logger(self, log_level='INFO', log_file=None, **kwargs):
        """mmengine's logger; ranks other than 0 also write their own log file."""
        if get_world_size() > 1 and get_rank() != 0:
            kwargs.setdefault('distributed', True)
        return super().build_logger(log_level=log_level, log_file=log_file, **kwargs)

    def _maybe_compile(self, target: str) -> None:
        """mmengine's ``compile`` of ``model.<target>``, with the checks of
        :func:`~mmdepthpretrain.compat.resolve_compile` and an eager fallback."""
        options = resolve_compile(self.cfg.get('compile', None))
        if options is None:
            return
        retry = None
        if target == 'train_step':
            def retry(data, optim_wrapper, *args, **kwargs):
                optim_wrapper.zero_grad()  # a failed compiled call may have left gradients
        setattr(self.model, target,
                compile_step(getattr(self.model, target), options, target, retry))
        self.logger.info(f'model.{target} compiled with torch.compile({options}); the first '
                         'iterations are slow')

    def load_or_resume(self) -> None:
        """As ``Runner.load_or_resume``, with :func:`find_resume_checkpoint` for ``auto``."""
        if self._resume and self._load_from is None and not self._has_loaded:
            self._load_from = find_resume_checkpoint(self.work_dir)
            if self._load_from is None:
                self.logger.info(f'no checkpoint to resume in {self.work_dir}: training '
                                 'from the start')
                self._resume = False
        super().load_or_resume()


def build_runner(cfg) -> Runner:
    """Build the Runner of a config with the host adaptations applied.

    A config without ``runner_type`` gets :class:`CompatRunner`; one naming another runner
    gets that runner with the same adaptations applied around it (:func:`prepare_cfg`,
    safe loading, :data:`COMPAT_HOOKS`).

    Args:
        cfg (mmengine.Config): The run's config (``launcher`` set); a CPU distributed run
            updates its ``model_wrapper_cfg`` in place.

    Returns:
        Runner: The runner, ready for ``train()`` or ``test()``.
    """
    if cfg.get('runner_type', CompatRunner) in (CompatRunner, 'CompatRunner'):
        return CompatRunner.from_cfg(cfg)
    enable_safe_loading()
    prepare_cfg(cfg, cfg.get('launcher', 'none'))
    runner = RUNNERS.build(cfg)
    add_compat_hooks(runner)
    return runner
