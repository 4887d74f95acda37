"""Contact-sheet rows of the synthetic world (a picture for people, not a data file):
RGB | depth | labels | lidar overlay or flow; and the colours of label maps."""

import cv2
import numpy as np

from .labels import CITYSCAPES_PALETTE

__all__ = ['preview_row', 'lidar_overlay', 'colorize_labels']


def colorize_labels(label):
    lut = np.zeros((256, 3), np.uint8)
    for k, c in CITYSCAPES_PALETTE.items():
        lut[k] = c
    rest = [k for k in range(1, 41) if k not in CITYSCAPES_PALETTE]
    rng = np.random.default_rng(0)
    lut[rest] = rng.integers(40, 255, (len(rest), 3))
    return lut[label]


def colorize_depth(depth, max_depth=80.0):
    inv = np.where(np.isfinite(depth) & (depth > 0), 1.0 / np.maximum(depth, 1e-3), 0.0)
    hi = max(np.percentile(inv[inv > 0], 99), 1.0 / max_depth) if (inv > 0).any() else 1.0
    img = cv2.applyColorMap(np.clip(inv / hi * 255, 0, 255).astype(np.uint8), cv2.COLORMAP_MAGMA)
    return img[..., ::-1]


def lidar_overlay(rgb, lidar, K, T_cam_velo):
    img = (rgb * 0.6).astype(np.uint8)
    p = lidar[:, :3] @ T_cam_velo[:3, :3].T + T_cam_velo[:3, 3]
    p = p[p[:, 2] > 0.5]
    u = np.round(K[0, 0] * p[:, 0] / p[:, 2] + K[0, 2]).astype(int)
    v = np.round(K[1, 1] * p[:, 1] / p[:, 2] + K[1, 2]).astype(int)
    m = (u >= 0) & (u < rgb.shape[1]) & (v >= 0) & (v < rgb.shape[0])
    col = cv2.applyColorMap(
        np.clip(255 - p[m, 2] * 4, 0, 255).astype(np.uint8)[:, None], cv2.COLORMAP_JET
    )[:, 0, ::-1]
    img[v[m], u[m]] = col
    return img


def preview_row(fr, K, T_cam_velo=None, flow=None):
    """One contact-sheet row of a rendered frame (RGB | depth | labels | lidar or flow)."""
    img4 = None
    if T_cam_velo is not None and 'lidar' in fr:
        img4 = lidar_overlay(fr['rgb'], fr['lidar'], K, T_cam_velo)
    elif flow is not None:
        img4 = flow_to_rgb(*flow)
    if img4 is None:
        img4 = np.zeros_like(fr['rgb'])
    return np.concatenate(
        [fr['rgb'], colorize_depth(fr['depth']), colorize_labels(fr['label']), img4], 1
    )


def flow_to_rgb(flow, valid):
    mag = np.linalg.norm(flow, axis=-1)
    hsv = np.zeros(flow.shape[:2] + (3,), np.uint8)
    hsv[..., 0] = ((np.arctan2(flow[..., 1], flow[..., 0]) + np.pi) / (2 * np.pi) * 179).astype(
        np.uint8
    )
    hsv[..., 1] = 255
    hsv[..., 2] = np.clip(mag / max(np.percentile(mag, 99), 1e-3) * 255, 0, 255).astype(np.uint8)
    hsv[~valid] = 0
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
