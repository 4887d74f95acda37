"""Camera geometry, flow warping and image similarity utilities."""

from .geometry import (
    axis_angle_to_matrix,
    backproject,
    disp_to_depth,
    flow_warp,
    invert_pose,
    pixel_grid,
    pose_vec_to_matrix,
    project,
    warp_image,
    warp_sources,
)
from .ssim import ssim_dissimilarity

__all__ = [
    'backproject',
    'project',
    'axis_angle_to_matrix',
    'pose_vec_to_matrix',
    'invert_pose',
    'warp_image',
    'warp_sources',
    'flow_warp',
    'disp_to_depth',
    'pixel_grid',
    'ssim_dissimilarity',
]
