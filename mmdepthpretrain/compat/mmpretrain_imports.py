"""mmpretrain beside recent transformers: keep ``import mmpretrain.models`` working.

mmpretrain 1.2.0 imports its multimodal models (BLIP, BLIP-2, OFA, ...) whenever
``mmpretrain.utils.dependency.WITH_MULTIMODAL`` is true, i.e. whenever pycocotools and
transformers >= 4.28 are installed. Those modules import names that recent transformers
removed from ``transformers.modeling_utils`` (``apply_chunking_to_forward``,
``find_pruneable_heads_and_indices``, ``prune_linear_layer``, ``GenerationMixin`` ...),
so ``import mmpretrain.models`` (and with it mmdet's and mmseg's models) fails with
``TypeError: NoneType takes no arguments``. When, and only when, the installed
transformers lacks those names, the flag is set false right after mmpretrain computes it,
before ``mmpretrain.models`` reads it: mmpretrain then registers its own "needs the
multimodal extras" placeholders for those models and everything else imports. Nothing
installed is edited and transformers is not imported unless mmpretrain is.
"""
import sys

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
    module = sys.modules.get(_MMPRETRAIN_DEPENDENCY)
    if module is not None:
        if 'mmpretrain.models' not in sys.modules:
            _disable_unusable_multimodal(module)
        return
    if not any(isinstance(f, _MMPretrainDependencyFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _MMPretrainDependencyFinder())
