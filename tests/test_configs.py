"""Every config under configs/ loads, and its model and pipelines build."""
import glob
import os.path as osp

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(
    p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p.split(osp.sep))


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


@pytest.mark.parametrize('path', CONFIGS, ids=[osp.relpath(p, REPO) for p in CONFIGS])
def test_config_builds(path):
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
    model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0
    for key, dataset in _pipelines(cfg):
        assert DATASETS.get(dataset['type']) is not None, f'{key}: unknown dataset type'
        for t in dataset.get('pipeline', []):
            TRANSFORMS.build(t)
    for key in ('train_cfg', 'optim_wrapper'):
        assert key in cfg, f'{key} missing'
