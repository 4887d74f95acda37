"""The config lookup cache gives mmengine's own results for ``package::`` configs."""
import os
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.utils import get_installed_path

from mmdepthpretrain.compat import (
    config_lookup,
    config_lookup_cache_enabled,
    disable_config_lookup_cache,
    enable_config_lookup_cache,
)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = [
    'configs/kitti/deeplabv3_r50_depthinit.py',  # mmseg:: model, dataset and runtime bases
    'configs/coco/mask-rcnn_vit-b-da_sfpn_16xb4-lsj-100e_coco-1024.py',  # mmdet:: bases
    'mmseg::deeplabv3/deeplabv3_r50-d8_4xb2-40k_cityscapes-512x1024.py',  # a metafile entry
]


@pytest.fixture
def uncached():
    """mmengine's own lookups for the test; the suite's setting afterwards."""
    was = config_lookup_cache_enabled()
    disable_config_lookup_cache()
    yield
    disable_config_lookup_cache()
    if was:
        enable_config_lookup_cache()


def _read(name, tmp_path):
    if '::' in name:  # a config of ours that inherits it whole
        path = tmp_path / 'inherits.py'
        path.write_text(f'_base_ = {name!r}\n')
        return Config.fromfile(str(path))
    return Config.fromfile(osp.join(REPO, name))


@pytest.mark.parametrize('name', CONFIGS)
def test_configs_read_the_same(uncached, name, tmp_path):
    import mmengine.config.utils as config_utils
    original = config_utils._get_cfg_metainfo
    expected = _read(name, tmp_path).to_dict()
    assert enable_config_lookup_cache()
    assert not enable_config_lookup_cache()  # once per process
    assert config_utils._get_cfg_metainfo is not original
    assert _read(name, tmp_path).to_dict() == expected
    assert _read(name, tmp_path).to_dict() == expected  # from the table this time
    disable_config_lookup_cache()
    assert config_utils._get_cfg_metainfo is original


@pytest.mark.parametrize('package', ['mmseg', 'mmdet'])
def test_every_entry_and_a_missing_name_as_mmengine(uncached, package):
    import mmengine.config.utils as config_utils
    path = get_installed_path(package)
    names = list(config_lookup._table(path))
    assert len(names) > 100
    for name in names[::25] + names[-1:]:
        assert config_lookup.cfg_metainfo(path, name) == \
            config_utils._get_cfg_metainfo(path, name), name
    for lookup in (config_lookup.cfg_metainfo, config_utils._get_cfg_metainfo):
        with pytest.raises(ValueError, match='but got _base_/models/no_such_model'):
            lookup(path, '_base_/models/no_such_model')


def _package(root, models):
    os.makedirs(root / '.mim' / 'configs', exist_ok=True)
    (root / '.mim' / 'model-index.yml').write_text('Import:\n- configs/metafile.yml\n')
    (root / '.mim' / 'configs' / 'metafile.yml').write_text('Models:\n' + ''.join(
        f'- Name: {name}\n  Config: configs/{cfg}\n  Weights: {weights}\n'
        for name, cfg, weights in models))


def test_first_entry_wins_and_a_changed_index_is_read_again(uncached, tmp_path):
    import mmengine.config.utils as config_utils
    pkg = tmp_path / 'pkg'
    _package(pkg, [('a', 'x/a', 'w1'), ('a2', 'x/a', 'w2'), ('b', 'x/b', 'w3')])
    for lookup in (config_lookup.cfg_metainfo, config_utils._get_cfg_metainfo):
        assert lookup(str(pkg), 'x/a')['Weights'] == 'w1'
    _package(pkg, [('a', 'x/a', 'w4')])
    (pkg / '.mim' / 'model-index.yml').write_text(
        'Import:\n- configs/metafile.yml\n# re-released\n')
    assert config_lookup.cfg_metainfo(str(pkg), 'x/a')['Weights'] == 'w4'
    with pytest.raises(ValueError, match='but got x/b'):
        config_lookup.cfg_metainfo(str(pkg), 'x/b')
