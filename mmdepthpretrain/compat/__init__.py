"""Adaptations the pinned OpenMMLab stack needs, applied explicitly, never on import.

Importing :mod:`mmdepthpretrain` only registers components (among them
:class:`CompatRunner`, :class:`PortableCheckpointHook`, :class:`RandomStateHook`,
:class:`FiniteLossHook` and :class:`CPUDistributedDataParallel`); it changes no loader,
pickling rule or global state of mmengine, torch or :mod:`copyreg`. The adaptations are:

1. **Safe checkpoint loading** (:mod:`.loading`, :mod:`.checkpoint_check`): local files are
   checked (a file that is not a checkpoint, is truncated or is corrupt is named as such)
   and load with ``weights_only=True`` and a small allow-list through mmengine's
   ``CheckpointLoader`` (:func:`enable_safe_loading`, :func:`safe_load`); an intact file
   asking for anything else fails with :class:`UnsafeCheckpointError`, naming the explicit
   opt-ins.
2. **Resume under torch >= 2.6's weights_only default** (:mod:`.portable`): the message
   hub is saved as plain tensors and numbers, so our checkpoints load with plain
   ``torch.load(path, weights_only=True)`` and in an environment without this package,
   and the ``HistoryBuffer`` objects are rebuilt on resume.
3. **Resume that reproduces the run** (:mod:`.random_state`, :mod:`.resume`): the random
   generators are saved with every checkpoint and restored where the interrupted run
   would have used them; the resume checkpoint is found even when ``last_checkpoint`` is
   damaged, checked before anything is built, and its seed used for the samplers and
   workers.
4. **Safe writes and stops**: ``CheckpointHook`` writes through the ``atomic_local``
   backend (a kill leaves the previous or the new complete file), and a non-finite loss
   stops the run before its weights are saved (:mod:`.finite_loss`).
5. **Distributed on CPU-only machines** (:mod:`.distributed`): gloo process group,
   :class:`CPUDistributedDataParallel`, no SyncBN; every rank logs to its own file.
6. **torch.compile that cannot fail a run** (:mod:`.compiler`): mmengine's ``compile``
   option compiles ``train_step`` only where ``torch.compile`` works on this machine (else
   one warning and eager training), and a compiler error later falls back to the eager
   step with one warning.
7. **mmpretrain beside a recent transformers** (:mod:`.mmpretrain_imports`): the one
   adaptation applied when the package is imported, because without it the import itself
   fails where transformers and pycocotools are installed; it only turns off mmpretrain's
   multimodal models, and only when the installed transformers cannot serve them.
8. **Configs of other packages found once** (:mod:`.config_lookup`): mmengine re-reads
   mmseg's or mmdet's whole model index (about 80 YAML files) for every ``mmseg::`` base;
   :func:`enable_config_lookup_cache` keeps that table per process, with the same results.

Our ``tools/train.py`` and ``tools/test.py`` apply all of them (:func:`build_runner`, and
8 before the config is read); the grid planner applies 8; the converters load with
:func:`safe_load`. With the host tools (mmseg's, mmdet's or
mmpretrain's ``tools/train.py``, mmdet's ``tools/test.py``), add one line to the config,
next to its ``custom_imports = dict(imports=['mmdepthpretrain'], ...)``::

    runner_type = 'CompatRunner'

(or ``--cfg-options runner_type=CompatRunner``). mmseg's ``tools/test.py`` ignores
``runner_type``; it needs nothing for our checkpoints, which load with mmengine's default
loader, and ``tools/dist_test.sh`` of this project tests distributed on CPU.
"""
from .checkpoint_check import CheckpointError, CorruptCheckpointError, verify_checkpoint
from .compiler import compile_options, compile_step, compiler_problem, resolve_compile
from .config_lookup import (
    config_lookup_cache_enabled,
    disable_config_lookup_cache,
    enable_config_lookup_cache,
)
from .distributed import CPUDistributedDataParallel, setup_cpu_distributed, teardown_distributed
from .finite_loss import FiniteLossHook
from .loading import (
    TRUST_ENV,
    UnsafeCheckpointError,
    _rebuild_history_buffer,  # noqa: F401  (unpickles files of mmdepthpretrain 0.1.0)
    enable_safe_loading,
    safe_load,
    safe_loading_enabled,
    trust_checkpoint,
)
from .mmpretrain_imports import keep_mmpretrain_importable
from .portable import (
    PortableCheckpointHook,
    history_to_record,
    message_hub_from_plain,
    message_hub_to_plain,
    record_to_history,
)
from .random_state import RandomStateHook, get_random_state, set_random_state
from .resume import checkpoint_seed, find_resume_checkpoint, prepare_resume, remove_partial_saves
from .runner import (
    COMPAT_HOOKS,
    CompatRunner,
    add_compat_hooks,
    add_portable_hook,
    build_runner,
    prepare_cfg,
)

__all__ = [
    'TRUST_ENV',
    'CheckpointError',
    'CorruptCheckpointError',
    'UnsafeCheckpointError',
    'verify_checkpoint',
    'safe_load',
    'trust_checkpoint',
    'enable_safe_loading',
    'safe_loading_enabled',
    'PortableCheckpointHook',
    'history_to_record',
    'record_to_history',
    'message_hub_to_plain',
    'message_hub_from_plain',
    'RandomStateHook',
    'get_random_state',
    'set_random_state',
    'FiniteLossHook',
    'compile_options',
    'compile_step',
    'compiler_problem',
    'resolve_compile',
    'find_resume_checkpoint',
    'checkpoint_seed',
    'prepare_resume',
    'remove_partial_saves',
    'COMPAT_HOOKS',
    'CompatRunner',
    'add_compat_hooks',
    'add_portable_hook',
    'build_runner',
    'prepare_cfg',
    'CPUDistributedDataParallel',
    'setup_cpu_distributed',
    'teardown_distributed',
    'keep_mmpretrain_importable',
    'enable_config_lookup_cache',
    'disable_config_lookup_cache',
    'config_lookup_cache_enabled',
]
