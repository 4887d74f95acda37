"""mmdepthpretrain: monocular-depth pre-training for segmentation, an OpenMMLab plugin.

Importing the package registers every component into the host registries (mmseg's
MODELS, DATASETS, TRANSFORMS, METRICS, HOOKS), so a config only needs::

    custom_imports = dict(imports=['mmdepthpretrain'], allow_failed_imports=False)
"""
from .compat import install_checkpoint_compat
from .version import __version__

install_checkpoint_compat()
from .compat import keep_mmpretrain_importable; keep_mmpretrain_importable()  # noqa: E402,E702,I001

from . import datasets, engine, evaluation, models  # noqa: E402,F401  (registration)

__all__ = ['__version__', 'datasets', 'engine', 'evaluation', 'models']
