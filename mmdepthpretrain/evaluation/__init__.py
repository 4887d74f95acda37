"""Evaluation metrics of mmdepthpretrain."""

from .metrics import (
    KITTI7_CLASS_IDS,
    FlowEPEMetric,
    KittiSegMetric,
    MonoDepthMetric,
    ReconstructionMetric,
    compute_depth_errors,
    eval_crop_mask,
    flow_errors,
)

__all__ = [
    'KittiSegMetric',
    'KITTI7_CLASS_IDS',
    'MonoDepthMetric',
    'compute_depth_errors',
    'eval_crop_mask',
    'FlowEPEMetric',
    'flow_errors',
    'ReconstructionMetric',
]
