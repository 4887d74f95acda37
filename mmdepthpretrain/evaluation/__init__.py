"""Evaluation metrics of mmdepthpretrain."""

from .metrics import (
    KITTI7_CLASS_IDS,
    KittiSegMetric,
    MonoDepthMetric,
    compute_depth_errors,
    eval_crop_mask,
)

__all__ = [
    'KittiSegMetric',
    'KITTI7_CLASS_IDS',
    'MonoDepthMetric',
    'compute_depth_errors',
    'eval_crop_mask',
]
