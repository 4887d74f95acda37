"""mmdepthpretrain: monocular-depth pre-training for segmentation, an OpenMMLab plugin.

Importing the package registers every component into the host registries (mmseg's
MODELS, DATASETS, TRANSFORMS, METRICS, HOOKS; mmengine's RUNNERS, HOOKS, MODEL_WRAPPERS)
and does nothing else, so a config only needs::

    custom_imports = dict(imports=['mmdepthpretrain'], allow_failed_imports=False)

The adaptations of the host stack (safe checkpoint loading, resume under torch's
``weights_only`` default, CPU distributed) are applied by our tools, or by
``runner_type = 'CompatRunner'`` with the host tools: see :mod:`mmdepthpretrain.compat`.
"""
import importlib


class BrokenInstallError(ImportError):
    """The environment lacks what the plugin needs (e.g. mmcv's compiled ops)."""


def _check_mmcv_ops() -> None:
    """Fail with one line when mmcv lacks its compiled ops (``mmcv._ext``).

    ``pip install .`` alone builds mmcv in an isolated environment without torch, which
    gives an mmcv without ops; mmdet's and mmseg's models then fail on import with a long
    traceback ending in ``No module named 'mmcv._ext'``.
    """
    try:
        import mmcv
        import torch  # noqa: F401  (mmcv's ops link against it)
    except ImportError as exc:
        raise BrokenInstallError(f'mmdepthpretrain: {exc.name or exc} is not installed; run '
                                 '`make install`') from None
    try:
        importlib.import_module('mmcv._ext')
    except ImportError as exc:
        raise BrokenInstallError(
            f'mmdepthpretrain: mmcv {mmcv.__version__} ({mmcv.__path__[0]}) lacks its '
            f'compiled ops (mmcv._ext: {exc}), as `pip install .` alone builds it; run '
            '`make install`, which builds mmcv with ops against the installed torch'
        ) from None
    try:  # mmdet's datasets import it, and mmdet's registry imports them on any lookup
        importlib.import_module('pycocotools')
    except ImportError:
        raise BrokenInstallError('mmdepthpretrain: pycocotools is not installed (mmdet needs '
                                 'it); run `make install` or `pip install pycocotools`') from None


_check_mmcv_ops()

# Before anything imports mmpretrain's models (mmseg -> mmdet -> mmpretrain): with a recent
# transformers and pycocotools installed they would not import at all.
from .compat.mmpretrain_imports import keep_mmpretrain_importable  # noqa: E402

keep_mmpretrain_importable()

from . import compat, datasets, engine, evaluation, models  # noqa: E402,F401  (registration)
from .version import __version__  # noqa: E402

__all__ = ['__version__', 'BrokenInstallError', 'compat', 'datasets', 'engine', 'evaluation',
           'models']
