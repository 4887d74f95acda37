"""mmdepthpretrain: monocular-depth pre-training for segmentation, an OpenMMLab plugin.

Importing the package registers every component into the host registries (mmseg's
MODELS, DATASETS, TRANSFORMS, METRICS, HOOKS; mmengine's RUNNERS, HOOKS, MODEL_WRAPPERS)
and does nothing else, so a config only needs::

    custom_imports = dict(imports=['mmdepthpretrain'], allow_failed_imports=False)

The adaptations of the host stack (safe checkpoint loading, resume under torch's
``weights_only`` default, CPU distributed) are applied by our tools, or by
``runner_type = 'CompatRunner'`` with the host tools: see :mod:`mmdepthpretrain.compat`.
"""
# Before anything imports mmpretrain's models (mmseg -> mmdet -> mmpretrain): with a recent
# transformers and pycocotools installed they would not import at all.
from .compat.mmpretrain_imports import keep_mmpretrain_importable

keep_mmpretrain_importable()

from . import compat, datasets, engine, evaluation, models  # noqa: E402,F401  (registration)
from .version import __version__  # noqa: E402

__all__ = ['__version__', 'compat', 'datasets', 'engine', 'evaluation', 'models']
