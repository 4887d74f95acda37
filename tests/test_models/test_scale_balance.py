"""The monocular (M) config starts pose translation and depth in matching units.

Monocular training settles on whatever scale the untrained networks start in: if the pose
network's translation starts far too small for the predicted depth, the depth shrinks to
``min_depth`` instead of the translation growing (the synthetic-world collapse recorded in
the README). The check: the untrained model's ratio of translation to median depth on a
synthetic-world frame pair is within a small factor of the true ratio.
"""

import glob
import os.path as osp

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmseg.registry import MODELS

import mmdepthpretrain.models  # noqa: F401
from mmdepthpretrain.datasets.synthetic.io import load_gt_depth, load_poses
from mmdepthpretrain.models.utils.geometry import disp_to_depth

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SYNTHETIC_M = osp.join(REPO, 'configs/synthetic/monodepth2-m_r18_1xb4-400_synthetic-320x96.py')
DRIVE = '2011_01_01/2011_01_01_drive_0001_sync'


def _frames(root, mean, std):
    """Frames 2 and 3 of drive 1, normalised like the model's preprocessor."""
    paths = sorted(glob.glob(osp.join(root, DRIVE, 'image_02', 'data', '*.png')))[2:4]
    imgs = [cv2.imread(p)[..., ::-1].astype(np.float32) for p in paths]
    return [
        torch.from_numpy((x - np.float32(mean)) / np.float32(std)).permute(2, 0, 1)[None]
        for x in imgs
    ]


def _true_ratio(root):
    gt_dir = osp.join(root, 'ground_truth', DRIVE)
    poses = load_poses(osp.join(gt_dir, 'poses.txt'))
    t = np.linalg.norm((np.linalg.inv(poses[3]) @ poses[2])[:3, 3])
    depth = load_gt_depth(sorted(glob.glob(osp.join(gt_dir, 'depth', '*.png')))[2])
    return t / np.median(depth[depth > 0])


def _start_ratio(model_cfg, x0, x1):
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    model.init_weights()
    model.eval()
    with torch.no_grad():
        disp = model.predict_disparities(x0)[0]
        depth = disp_to_depth(disp, model.min_depth, model.max_depth)
        _, t = model.pose_decoder([model.pose_encoder(torch.cat([x0, x1], 1))[-1]])
    return float(t.norm()) / float(depth.median())


def test_synthetic_m_config_starts_near_the_true_translation_to_depth_ratio(synthetic_kitti):
    cfg = Config.fromfile(SYNTHETIC_M)
    pre = cfg.model.data_preprocessor
    x0, x1 = _frames(synthetic_kitti, pre.mean, pre.std)
    true = _true_ratio(synthetic_kitti)
    assert 0.01 < true < 1.0  # about a metre per frame against tens of metres of depth

    start = _start_ratio(cfg.model, x0, x1) / true
    assert 1 / 4 < start < 4, f'start ratio / true ratio = {start:.3g}'

    # Monodepth2's translation scale (0.01) starts >= 4x too small: the collapse this guards
    cfg.model.pose_decoder.translation_scale = None
    mono2 = _start_ratio(cfg.model, x0, x1) / true
    assert mono2 < 1 / 4, f'start ratio / true ratio = {mono2:.3g}'
