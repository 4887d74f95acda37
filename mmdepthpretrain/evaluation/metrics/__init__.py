"""Depth and KITTI segmentation metrics (registered in mmseg's METRICS)."""

from .flow_metric import FlowEPEMetric, flow_errors, resize_flow
from .kitti_seg_metric import KITTI7_CLASS_IDS, KittiSegMetric
from .mono_depth_metric import MonoDepthMetric, compute_depth_errors, eval_crop_mask
from .reconstruction_metric import ReconstructionMetric

__all__ = [
    'KittiSegMetric',
    'KITTI7_CLASS_IDS',
    'MonoDepthMetric',
    'compute_depth_errors',
    'eval_crop_mask',
    'FlowEPEMetric',
    'flow_errors',
    'resize_flow',
    'ReconstructionMetric',
]
