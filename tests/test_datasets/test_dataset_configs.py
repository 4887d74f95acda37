"""Every dataset base config loads, its pipelines and evaluators build, and the synthetic
ones read the synthetic worlds end to end."""

import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmdepthpretrain.datasets  # noqa: F401
import mmdepthpretrain.evaluation  # noqa: F401

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs', '_base_', 'datasets', '*.py')))
KEYS = ('train_dataloader', 'val_dataloader', 'test_dataloader', 'val_evaluator', 'test_evaluator')


@pytest.mark.parametrize('path', CONFIGS, ids=[osp.basename(p) for p in CONFIGS])
def test_config_complete_and_builds(path):
    from mmseg.registry import METRICS, TRANSFORMS

    init_default_scope('mmseg')
    cfg = Config.fromfile(path)
    assert 'custom_imports' not in cfg, \
        'the plugin import lives in configs/_base_/default_runtime.py, not in dataset bases'
    for key in KEYS:
        assert key in cfg, f'{osp.basename(path)} lacks {key}'
    for key in KEYS[:3]:
        for t in cfg[key]['dataset']['pipeline']:
            TRANSFORMS.build(t)
    for key in KEYS[3:]:
        METRICS.build(cfg[key])


def _load(cfg, split):
    from mmseg.registry import DATASETS

    ds = DATASETS.build(cfg[f'{split}_dataloader']['dataset'])
    return ds, ds[0]


def test_synthetic_kitti_configs(synthetic_kitti):
    init_default_scope('mmseg')
    cfg = Config.fromfile(osp.join(REPO, 'configs/_base_/datasets/synthetic_kitti_depth.py'))
    drive = '2011_01_01_drive_0002_sync'  # the fixture has two drives
    cfg.train_dataloader.dataset.update(
        data_root=synthetic_kitti, split_cfg=dict(exclude_scenes=[drive])
    )
    cfg.val_dataloader.dataset.update(
        data_root=synthetic_kitti, split_cfg=dict(include_scenes=[drive], sides=['l'])
    )
    ds, out = _load(cfg, 'train')
    assert tuple(out['inputs'].shape) == (3, 3, 96, 320) and len(ds) == 8
    ds, out = _load(cfg, 'val')
    assert tuple(out['inputs'].shape) == (1, 3, 96, 320) and len(ds) == 6  # frame 0 only
    # validation depth stays at the original resolution
    meta = out['data_samples'].metainfo
    assert tuple(out['data_samples'].gt_depth_map.data.shape) == (1, *meta['ori_shape'])

    cfg = Config.fromfile(osp.join(REPO, 'configs/_base_/datasets/synthetic_kitti_semantic.py'))
    for split in ('train', 'val'):
        cfg[f'{split}_dataloader'].dataset.update(data_root=synthetic_kitti, num_labelled=3)
    ds, out = _load(cfg, 'train')
    assert len(ds) == 3 and tuple(out['inputs'].shape) == (3, 96, 320)
    ds, out = _load(cfg, 'val')
    assert len(ds) == 5 and tuple(out['data_samples'].gt_sem_seg.data.shape) == (1, 96, 320)


def test_synthetic_cityscapes_and_nyu_configs(synthetic_cityscapes, synthetic_nyu):
    init_default_scope('mmseg')
    base = osp.join(REPO, 'configs/_base_/datasets')
    cfg = Config.fromfile(osp.join(base, 'synthetic_cityscapes_depth.py'))
    for split in ('train', 'val'):
        cfg[f'{split}_dataloader'].dataset.data_root = synthetic_cityscapes
    _, out = _load(cfg, 'train')
    assert tuple(out['inputs'].shape) == (1, 3, 128, 256)
    assert tuple(out['data_samples'].gt_depth_map.data.shape) == (1, 128, 256)
    cfg = Config.fromfile(osp.join(base, 'synthetic_cityscapes_sequence_depth.py'))
    cfg.train_dataloader.dataset.data_root = synthetic_cityscapes
    _, out = _load(cfg, 'train')
    assert tuple(out['inputs'].shape) == (3, 3, 128, 256)
    cfg = Config.fromfile(osp.join(base, 'synthetic_nyu_depth.py'))
    for split in ('train', 'val'):
        cfg[f'{split}_dataloader'].dataset.data_root = synthetic_nyu
    _, out = _load(cfg, 'train')
    assert tuple(out['inputs'].shape) == (1, 3, 120, 160)
    _, out = _load(cfg, 'val')
    assert tuple(out['data_samples'].gt_depth_map.data.shape) == (1, 96, 128)
