"""Multi-frame, geometry-aware data transforms (registered in mmseg's TRANSFORMS)."""

from .camera import crop_intrinsics, flip_intrinsics, flip_transform, scale_intrinsics
from .flow_loading import LoadFlowAnnotation, PackMultiFrameFlowInputs, read_kitti_flow_png
from .formatting import PackMultiFrameInputs
from .geometric import MultiFrameRandomCrop, MultiFrameRandomFlip, MultiFrameResize
from .loading import LoadDepthFromLidar, LoadDepthMap, LoadMultiFrameImages

__all__ = [
    'LoadMultiFrameImages',
    'LoadDepthFromLidar',
    'LoadDepthMap',
    'MultiFrameResize',
    'MultiFrameRandomCrop',
    'MultiFrameRandomFlip',
    'PackMultiFrameInputs',
    'scale_intrinsics',
    'crop_intrinsics',
    'flip_intrinsics',
    'flip_transform',
    'LoadFlowAnnotation',
    'PackMultiFrameFlowInputs',
    'read_kitti_flow_png',
]
