"""transformers beside pycocotools: mmpretrain.models (and mmdet's, mmseg's) still import."""
import os
import subprocess
import sys

import pytest

from mmdepthpretrain.compat import mmpretrain_imports as compat

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_hook_is_installed_once():
    compat.keep_mmpretrain_importable()
    compat.keep_mmpretrain_importable()
    finders = [f for f in sys.meta_path if isinstance(f, compat._MMPretrainDependencyFinder)]
    assert len(finders) <= 1  # none once mmpretrain.utils.dependency is imported


def test_flag_only_changes_when_transformers_cannot_serve(monkeypatch):
    class Module:
        WITH_MULTIMODAL = True

    monkeypatch.setattr(compat, 'transformers_serves_mmpretrain_multimodal', lambda: True)
    compat._disable_unusable_multimodal(Module)
    assert Module.WITH_MULTIMODAL is True
    monkeypatch.setattr(compat, 'transformers_serves_mmpretrain_multimodal', lambda: False)
    compat._disable_unusable_multimodal(Module)
    assert Module.WITH_MULTIMODAL is False


def test_mmpretrain_models_import_with_transformers_installed():
    pytest.importorskip('transformers')
    pytest.importorskip('pycocotools')
    code = ('import mmdepthpretrain, mmseg.models, mmdet.models, mmpretrain.models\n'
            'from mmpretrain.registry import MODELS\n'
            'import mmpretrain.utils.dependency as d\n'
            "assert MODELS.get('VisionTransformer') is not None\n"
            "print('ok', d.WITH_MULTIMODAL)\n")
    env = dict(os.environ, OMP_NUM_THREADS='1',
               PYTHONPATH=os.pathsep.join([REPO] + sys.path))
    done = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() in ('ok False', 'ok True')
    if not compat.transformers_serves_mmpretrain_multimodal():
        assert done.stdout.strip() == 'ok False'
        # without the plugin's adaptation the same import fails (the check is not vacuous)
        bare = subprocess.run([sys.executable, '-c', 'import mmpretrain.models'], env=env,
                              capture_output=True, text=True, timeout=300)
        assert bare.returncode != 0 and 'NoneType takes no arguments' in bare.stderr
