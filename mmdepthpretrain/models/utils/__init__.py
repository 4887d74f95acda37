"""Camera geometry and image similarity utilities."""

from .geometry import (
    axis_angle_to_matrix,
    backproject,
    depth_to_disp,
    disp_to_depth,
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
    'disp_to_depth',
    'depth_to_disp',
    'pixel_grid',
    'ssim_dissimilarity',
]
