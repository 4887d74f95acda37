"""Every config under configs/ loads, and its model and pipelines build; each fact the
configs share (the plugin import, a normalisation, how a loaded file is made) lives in one
place."""
import glob
import os.path as osp
import re

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(
    p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p.split(osp.sep))
ALL_FILES = sorted(glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True))
RUNTIME = osp.join(REPO, 'configs', '_base_', 'default_runtime.py')
DET_RUNTIME = osp.join(REPO, 'configs', '_base_', 'det_runtime.py')
PLUGIN = osp.join(REPO, 'configs', '_base_', 'plugin.py')
NORMALIZATION = osp.join(REPO, 'configs', '_base_', 'normalization')
CONVERTERS = osp.join(REPO, 'tools', 'model_converters')
REAL_BUILD_PARAMS = 60_000_000  # ResNet-50 DeepLabV3 and ViT-S/B networks are built for real


def _rel(path):
    return osp.relpath(path, REPO)


def _text(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


def _pipelines(cfg):
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(key)
        if not loader:
            continue
        dataset = loader['dataset']
        while 'dataset' in dataset:  # wrappers such as RepeatDataset
            dataset = dataset['dataset']
        yield key, dataset


def test_there_are_configs():
    assert CONFIGS, 'no configs found under configs/'


@pytest.mark.parametrize('path', CONFIGS, ids=[_rel(p) for p in CONFIGS])
def test_config_builds(path):
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import mmdepthpretrain  # noqa: F401
    cfg = Config.fromfile(path)
    assert cfg.get('custom_imports', {}).get('imports') == ['mmdepthpretrain'], \
        'configs must import the plugin with custom_imports'
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    if cfg.get('default_scope', 'mmseg') == 'mmdet':
        from mmdet.registry import DATASETS, MODELS, TRANSFORMS
    else:
        from mmseg.registry import DATASETS, MODELS, TRANSFORMS
    # built without memory first (ViT-L takes seconds to initialise on a CPU), then for
    # real where that is quick: the big models' classes are built for real at smaller sizes
    with torch.device('meta'):
        size = sum(p.numel() for p in MODELS.build(cfg.model).parameters())
    assert size > 0
    if size < REAL_BUILD_PARAMS:
        model = MODELS.build(cfg.model)
        assert sum(p.numel() for p in model.parameters()) == size
        assert not any(p.is_meta for p in model.parameters())
    for key, dataset in _pipelines(cfg):
        assert DATASETS.get(dataset['type']) is not None, f'{key}: unknown dataset type'
        for t in dataset.get('pipeline', []):
            TRANSFORMS.build(t)
    for key in ('train_cfg', 'optim_wrapper'):
        assert key in cfg, f'{key} missing'


def test_plugin_import_lives_in_the_runtime_base():
    """`custom_imports` is written once; every config reaches it by inheritance."""
    holders = [_rel(p) for p in ALL_FILES if re.search(r'^custom_imports\s*=', _text(p), re.M)]
    assert holders == [_rel(PLUGIN)], holders
    assert "'mmseg::_base_/default_runtime.py', './plugin.py'" in _text(RUNTIME)
    assert "'mmdet::_base_/default_runtime.py', './plugin.py'" in _text(DET_RUNTIME)
    for host, runtime in (('mmseg', RUNTIME), ('mmdet', DET_RUNTIME)):
        direct = [_rel(p) for p in ALL_FILES if f'{host}::_base_/default_runtime.py' in _text(p)]
        assert direct == [_rel(runtime)], \
            f'inherit {_rel(runtime)} instead of {host}\'s runtime: {direct}'
    users = [_rel(p) for p in ALL_FILES if 'plugin.py' in _text(p) and p != PLUGIN]
    assert sorted(users) == sorted([_rel(RUNTIME), _rel(DET_RUNTIME)]), users


def test_normalisations_live_in_their_bases():
    """Mean/std values are written only in configs/_base_/normalization/*.py."""
    pattern = re.compile(r'\b(mean|std)\s*=\s*\[')
    inline = [_rel(p) for p in ALL_FILES
              if pattern.search(_text(p)) and osp.dirname(p) != NORMALIZATION]
    assert not inline, f'select a normalisation base instead of writing mean/std: {inline}'
    names = sorted(osp.basename(p) for p in glob.glob(osp.join(NORMALIZATION, '*.py')))
    assert names == ['imagenet.py', 'midas.py', 'monodepth2.py', 'unit.py']
    for name in names:  # one key per file, named after it (bases of a config share no key)
        assert re.search(rf'^{name[:-3]}_normalization = dict\(mean=\[',
                         _text(osp.join(NORMALIZATION, name)), re.M), name


@pytest.mark.parametrize('path', CONFIGS, ids=[_rel(p) for p in CONFIGS])
def test_loaded_file_says_how_it_is_made(path):
    """A config that loads a converted file says how it is made in ``init_from``."""
    from mmengine.config import Config

    assert 'load_from_hint' not in _text(path), 'load_from_hint is replaced by init_from'
    cfg = Config.fromfile(path)
    init = cfg.get('init_from')
    if not cfg.get('load_from'):
        assert init is None, 'init_from without load_from'
        return
    assert init is not None, f'load_from {cfg.load_from} without init_from'
    assert set(init) <= {'converter', 'source', 'mode'} and {'converter', 'source'} <= set(init), \
        f'init_from needs converter and source (and mode for converters with --mode): {init}'
    script = osp.join(CONVERTERS, f'{init["converter"]}.py')
    assert osp.isfile(script), f'init_from.converter: no {_rel(script)}'
    has_mode = bool(re.search(r"add_argument\(\s*'--mode'", _text(script)))
    assert ('mode' in init) == has_mode, \
        f'init_from.mode must be given exactly for converters with --mode ({init["converter"]})'
