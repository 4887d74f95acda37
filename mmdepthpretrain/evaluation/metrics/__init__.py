"""Depth and KITTI segmentation metrics (registered in mmseg's METRICS)."""

from .kitti_seg_metric import KITTI7_CLASS_IDS, KittiSegMetric
from .mono_depth_metric import MonoDepthMetric, compute_depth_errors, eval_crop_mask

__all__ = [
    'KittiSegMetric',
    'KITTI7_CLASS_IDS',
    'MonoDepthMetric',
    'compute_depth_errors',
    'eval_crop_mask',
]
