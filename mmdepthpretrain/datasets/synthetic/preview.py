"""Contact-sheet rows of the synthetic world (a picture for people, not a data file):
RGB | depth | labels | lidar overlay or flow, coloured with the package's colour codes
(:mod:`mmdepthpretrain.visualization.colormaps`)."""

from typing import Mapping, Optional

import numpy as np

from ...visualization.colormaps import colorize, colorize_labels, disparity_to_color, flow_to_color
from ..nyu_seg import NYUSegDataset
from .labels import CITYSCAPES_PALETTE

__all__ = ['preview_row', 'lidar_overlay', 'STREET_PALETTE', 'ROOM_PALETTE']

STREET_PALETTE = CITYSCAPES_PALETTE  # Cityscapes label id -> RGB
# NYU-40 label id -> RGB (the NYU segmentation dataset's palette is by train id = id - 1)
ROOM_PALETTE = {i + 1: tuple(c) for i, c in enumerate(NYUSegDataset.METAINFO['palette'])}
LIDAR_PREVIEW_RANGE = 63.75  # metres: points this far or farther are drawn blue


def lidar_overlay(
    rgb: np.ndarray, lidar: np.ndarray, K: np.ndarray, T_cam_velo: np.ndarray
) -> np.ndarray:
    """Lidar points (velodyne frame) drawn on the darkened image, near red, far blue.

    Args:
        rgb (np.ndarray): (H, W, 3) uint8 image.
        lidar (np.ndarray): (N, 4) velodyne points (x, y, z, reflectance).
        K (np.ndarray): 3x3 intrinsics of the image.
        T_cam_velo (np.ndarray): 4x4 velodyne-to-camera transform.

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB.
    """
    img = (rgb * 0.6).astype(np.uint8)
    p = lidar[:, :3] @ T_cam_velo[:3, :3].T + T_cam_velo[:3, 3]
    p = p[p[:, 2] > 0.5]
    u = np.round(K[0, 0] * p[:, 0] / p[:, 2] + K[0, 2]).astype(int)
    v = np.round(K[1, 1] * p[:, 1] / p[:, 2] + K[1, 2]).astype(int)
    m = (u >= 0) & (u < rgb.shape[1]) & (v >= 0) & (v < rgb.shape[0])
    img[v[m], u[m]] = colorize(p[m, 2][None], 'jet_r', vmin=0.0, vmax=LIDAR_PREVIEW_RANGE)[0]
    return img


def preview_row(
    fr: dict,
    K: np.ndarray,
    palette: Mapping[int, tuple],
    T_cam_velo: Optional[np.ndarray] = None,
    flow: Optional[tuple] = None,
) -> np.ndarray:
    """One contact-sheet row of a rendered frame.

    Args:
        fr (dict): A frame of :func:`~.frames.render_frame`.
        K (np.ndarray): 3x3 intrinsics.
        palette (Mapping): Label id -> RGB (:data:`STREET_PALETTE`, :data:`ROOM_PALETTE`).
        T_cam_velo (np.ndarray, optional): Draw the frame's lidar with this transform
            as the fourth panel. Defaults to None.
        flow (tuple, optional): (flow, valid) drawn as the fourth panel when there is no
            lidar. Defaults to None (a black panel).

    Returns:
        np.ndarray: (H, 4 W, 3) uint8 RGB.
    """
    if T_cam_velo is not None and 'lidar' in fr:
        img4 = lidar_overlay(fr['rgb'], fr['lidar'], K, T_cam_velo)
    elif flow is not None:
        img4 = flow_to_color(flow[0], valid=flow[1])
    else:
        img4 = np.zeros_like(fr['rgb'])
    depth = fr['depth']
    inv = np.where(np.isfinite(depth) & (depth > 0), 1.0 / np.maximum(depth, 1e-3), 0.0)
    return np.concatenate(
        [
            fr['rgb'],
            disparity_to_color(inv, 'magma', percentile=99.0),
            colorize_labels(fr['label'], palette),
            img4,
        ],
        1,
    )
