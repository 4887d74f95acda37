"""Adaptations the pinned OpenMMLab stack needs, applied explicitly, never on import.

Importing :mod:`mmdepthpretrain` only registers components (among them
:class:`CompatRunner`, :class:`PortableCheckpointHook` and
:class:`CPUDistributedDataParallel`); it changes no loader, pickling rule or global state
of mmengine, torch or :mod:`copyreg`. The adaptations are:

1. **Safe checkpoint loading** (:mod:`.loading`): local files load with
   ``weights_only=True`` and a small allow-list through mmengine's ``CheckpointLoader``
   (:func:`enable_safe_loading`, :func:`safe_load`); anything else fails with
   :class:`UnsafeCheckpointError`, naming the explicit opt-ins.
2. **Resume under torch >= 2.6's weights_only default** (:mod:`.portable`): the message
   hub is saved as plain tensors and numbers, so our checkpoints load with plain
   ``torch.load(path, weights_only=True)`` and in an environment without this package,
   and the ``HistoryBuffer`` objects are rebuilt on resume.
3. **Distributed on CPU-only machines** (:mod:`.distributed`): gloo process group,
   :class:`CPUDistributedDataParallel`, no SyncBN.
4. **mmpretrain beside a recent transformers** (:mod:`.mmpretrain_imports`): the one
   adaptation applied when the package is imported, because without it the import itself
   fails where transformers and pycocotools are installed; it only turns off mmpretrain's
   multimodal models, and only when the installed transformers cannot serve them.

Our ``tools/train.py`` and ``tools/test.py`` apply all three (:func:`build_runner`); the
converters load with :func:`safe_load`. With the host tools (mmseg's, mmdet's or
mmpretrain's ``tools/train.py``, mmdet's ``tools/test.py``), add one line to the config,
next to its ``custom_imports = dict(imports=['mmdepthpretrain'], ...)``::

    runner_type = 'CompatRunner'

(or ``--cfg-options runner_type=CompatRunner``). mmseg's ``tools/test.py`` ignores
``runner_type``; it needs nothing for our checkpoints, which load with mmengine's default
loader, and ``tools/dist_test.sh`` of this project tests distributed on CPU.
"""
from .distributed import CPUDistributedDataParallel, setup_cpu_distributed, teardown_distributed
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
from .runner import CompatRunner, add_portable_hook, build_runner

__all__ = [
    'TRUST_ENV',
    'UnsafeCheckpointError',
    'safe_load',
    'trust_checkpoint',
    'enable_safe_loading',
    'safe_loading_enabled',
    'PortableCheckpointHook',
    'history_to_record',
    'record_to_history',
    'message_hub_to_plain',
    'message_hub_from_plain',
    'CompatRunner',
    'add_portable_hook',
    'build_runner',
    'CPUDistributedDataParallel',
    'setup_cpu_distributed',
    'teardown_distributed',
    'keep_mmpretrain_importable',
]
