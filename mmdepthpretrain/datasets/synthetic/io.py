"""File formats of the synthetic world: deterministic image and text writing, KITTI
calibration text (written here; read with
:func:`mmdepthpretrain.datasets.kitti_utils.read_calib_file`), depth and KITTI
optical-flow PNGs, and loaders for the ground truth in ``ground_truth/``."""

import json
import os
import os.path as osp

import cv2
import numpy as np

__all__ = [
    'imwrite',
    'write_text',
    'format_calib',
    'encode_depth',
    'encode_flow',
    'decode_flow',
    'load_gt_depth',
    'load_poses',
    'load_flow',
    'load_gt_camera',
    'DEPTH_SCALE',
]

DEPTH_SCALE = 256.0  # depth PNG value = depth in metres * 256, 0 = sky / invalid
PNG_LEVEL = 1  # explicit zlib level: output bytes depend only on the pixels


def imwrite(path: str, img: np.ndarray, rgb: bool = False, quality: int = 95) -> None:
    """Write a PNG (or JPEG by extension) deterministically; ``rgb`` images are
    converted to OpenCV's BGR order."""
    if rgb:
        img = np.ascontiguousarray(img[..., ::-1])
    if path.endswith('.jpg'):
        params = [cv2.IMWRITE_JPEG_QUALITY, quality]
    else:
        params = [cv2.IMWRITE_PNG_COMPRESSION, PNG_LEVEL]
    ok, buf = cv2.imencode(osp.splitext(path)[1], img, params)
    if not ok:
        raise OSError(f'Could not encode image {path}')
    with open(path, 'wb') as f:
        f.write(buf.tobytes())


def write_text(path: str, text: str) -> None:
    """Write text through a temporary file and rename it into place."""
    tmp = path + '.tmp'
    with open(tmp, 'w', newline='\n') as f:
        f.write(text)
    os.replace(tmp, path)


def format_calib(entries) -> str:
    """Format ``(key, value)`` pairs as KITTI calibration lines (``key: v1 v2 ...``)."""
    lines = []
    for key, val in entries:
        if isinstance(val, str):
            lines.append(f'{key}: {val}')
        else:
            vals = np.asarray(val, np.float64).reshape(-1)
            lines.append(f'{key}: ' + ' '.join(f'{v:.9e}' for v in vals))
    return '\n'.join(lines) + '\n'


def encode_depth(depth: np.ndarray) -> np.ndarray:
    """Float depth (inf / 0 = none) to uint16 depth*256 (0 = none)."""
    d = np.where(np.isfinite(depth), depth, 0.0)
    return np.clip(np.round(d * DEPTH_SCALE), 0, 65535).astype(np.uint16)


def encode_flow(flow: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """KITTI flow PNG (returned in OpenCV BGR order, i.e. ready for ``cv2.imwrite``):
    channel R = u * 64 + 2^15, G = v * 64 + 2^15, B = valid (0 / 1)."""
    uv = np.clip(np.round(flow * 64.0 + 32768.0), 0, 65535).astype(np.uint16)
    uv[~valid] = 0
    return np.stack([valid.astype(np.uint16), uv[..., 1], uv[..., 0]], -1)


def decode_flow(png: np.ndarray):
    """Inverse of :func:`encode_flow` on an image read with ``cv2.IMREAD_UNCHANGED``.

    Returns:
        tuple: flow (H, W, 2) float32 in pixels (u, v) and valid (H, W) bool.
    """
    png = png.astype(np.float32)
    flow = (png[..., [2, 1]] - 32768.0) / 64.0
    return flow, png[..., 0] > 0


def load_gt_depth(path: str) -> np.ndarray:
    """Load a ground-truth depth PNG as float32 metres (0 = sky / invalid)."""
    png = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if png is None or png.dtype != np.uint16:
        raise ValueError(f'{path} is not a 16-bit depth PNG written by the synthetic world.')
    return png.astype(np.float32) / DEPTH_SCALE


def load_flow(path: str):
    """Load a KITTI-format flow PNG: (flow (H, W, 2) float32, valid (H, W) bool)."""
    png = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if png is None or png.ndim != 3 or png.dtype != np.uint16:
        raise ValueError(f'{path} is not a 16-bit KITTI flow PNG.')
    return decode_flow(png)


def load_poses(path: str) -> np.ndarray:
    """Load ``poses.txt`` (one row-major 3x4 ``T_world_cam`` per line) as (N, 4, 4)."""
    rows = np.loadtxt(path, dtype=np.float64, ndmin=2)
    if rows.shape[1] != 12:
        raise ValueError(f'{path}: expected 12 numbers per line (a 3x4 pose), got {rows.shape[1]}.')
    T = np.tile(np.eye(4), (len(rows), 1, 1))
    T[:, :3, :] = rows.reshape(-1, 3, 4)
    return T


def load_gt_camera(seq_gt_dir: str) -> dict:
    """Load ``camera.json`` of a ground-truth sequence folder (K as a 3x3 array)."""
    with open(osp.join(seq_gt_dir, 'camera.json')) as f:
        cam = json.load(f)
    cam['K'] = np.asarray(cam['K'], np.float64)
    return cam
