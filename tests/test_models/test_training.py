"""Depth pre-training through mmengine's Runner on the synthetic world: train, validate,
checkpoint and resume."""

import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmdepthpretrain.compat import build_runner

from .utils import TINY_CHANNELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SIZE = (128, 48)  # (width, height)


def _small_pipeline(pipeline):
    for t in pipeline:
        if 'decode_size' in t:
            t['decode_size'] = SIZE
        if t['type'] == 'MultiFrameResize':
            t['scale'] = SIZE
    return pipeline


def _config(name, root, work_dir, max_iters, **model):
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'synthetic', name))
    tiny = dict(base_channels=16, stem_channels=16)
    cfg.model.backbone.update(tiny)
    cfg.model.decode_head.in_channels = TINY_CHANNELS
    if cfg.model.get('pose_encoder'):
        cfg.model.pose_encoder.update(tiny)
        cfg.model.pose_decoder.update(in_channels=TINY_CHANNELS[-1], channels=32)
    cfg.model.update(model)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg[key]
        loader.update(num_workers=0, persistent_workers=False)
        loader.dataset.data_root = root
        loader.dataset.split_cfg = dict(
            loader.dataset.split_cfg, exclude_scenes=[], include_scenes=None
        )
        _small_pipeline(loader.dataset.pipeline)
    cfg.train_dataloader.batch_size = 2
    cfg.val_dataloader.dataset.indices = 2
    cfg.train_cfg.update(max_iters=max_iters, val_interval=2)
    cfg.default_hooks.checkpoint.interval = 2
    cfg.default_hooks.logger.interval = 1
    cfg.work_dir = str(work_dir)
    return cfg


@pytest.mark.parametrize(
    'name',
    [
        'monodepth2-m_r18_1xb4-400_synthetic-320x96.py',
        'monodepth2-s_r18_1xb4-400_synthetic-320x96.py',
        'monodepth2-ms_r18_1xb4-400_synthetic-320x96.py',
        'monodepth2-l_r18_1xb4-400_synthetic-320x96.py',
    ],
)
def test_train_validate_and_resume(synthetic_kitti, tmp_path, name):
    cfg = _config(name, synthetic_kitti, tmp_path, max_iters=2)
    runner = build_runner(cfg)  # the host adaptations our tools apply (resume under torch 2.6+)
    runner.train()
    assert runner.iter == 2
    metrics = runner.message_hub.get_scalar('val/abs_rel')
    assert metrics is not None and torch.isfinite(torch.tensor(metrics.current()))
    ckpt = tmp_path / 'iter_2.pth'
    assert ckpt.exists()
    cfg = _config(name, synthetic_kitti, tmp_path, max_iters=3)
    cfg.resume = True
    cfg.load_from = str(ckpt)
    runner = build_runner(cfg)  # the host adaptations our tools apply (resume under torch 2.6+)
    runner.train()
    assert runner.iter == 3
