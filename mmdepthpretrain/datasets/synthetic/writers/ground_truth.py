"""Writer of the ground truth the real datasets lack, shared by all layouts: one folder
per sequence under ``<out>/ground_truth/`` with ``camera.json``, ``poses.txt`` and
per-frame ``depth``, ``depth_right``, ``semantic``, ``instance`` and ``flow`` PNGs (see
the package docstring for the formats)."""

import json
import os
import os.path as osp
from typing import Optional, Sequence, Tuple

import numpy as np

from ..io import DEPTH_SCALE, encode_depth, encode_flow, imwrite, write_text

__all__ = ['make_gt_dirs', 'write_gt_frame', 'write_gt_meta', 'kitti_instance']


def kitti_instance(fr: dict) -> np.ndarray:
    """uint16 instance map in the KITTI format: ``label_id * 256 + instance``."""
    return fr['label'].astype(np.uint16) * 256 + fr['instance']


def make_gt_dirs(gt_dir: str, stereo: bool) -> None:
    """Create the per-frame folders of a sequence (``depth_right`` for stereo rigs)."""
    for sub in ('depth', 'semantic', 'instance', 'flow') + (('depth_right',) if stereo else ()):
        os.makedirs(osp.join(gt_dir, sub), exist_ok=True)


def write_gt_frame(gt_dir: str, name: str, fr: dict, flow: Optional[tuple]) -> None:
    """Write the ground truth of one frame as ``<sub>/<name>``.

    Args:
        gt_dir (str): The sequence's ground-truth folder.
        name (str): File name, e.g. ``0000000000.png``.
        fr (dict): The frame (:func:`~..frames.render_frame`).
        flow (tuple, optional): (flow, valid) to the next frame; None for the last.
    """
    imwrite(osp.join(gt_dir, 'depth', name), encode_depth(fr['depth']))
    if 'depth_right' in fr:
        imwrite(osp.join(gt_dir, 'depth_right', name), encode_depth(fr['depth_right']))
    imwrite(osp.join(gt_dir, 'semantic', name), fr['label'])
    imwrite(osp.join(gt_dir, 'instance', name), kitti_instance(fr))
    if flow is not None:
        imwrite(osp.join(gt_dir, 'flow', name), encode_flow(*flow))


def write_gt_meta(
    gt_dir: str,
    K: np.ndarray,
    size: Tuple[int, int],
    baseline: float,
    T: np.ndarray,
    image_files: Sequence[str],
    extra: Optional[dict] = None,
) -> None:
    """Write ``poses.txt`` (row-major 3x4 ``T_world_cam`` per frame) and ``camera.json``.

    Args:
        gt_dir (str): The sequence's ground-truth folder.
        K (np.ndarray): 3x3 intrinsics of the left camera.
        size (tuple): (width, height).
        baseline (float): Stereo baseline in metres (0 without a right camera).
        T (np.ndarray): (M, 4, 4) poses.
        image_files (Sequence[str]): RGB path of each frame, relative to the root.
        extra (dict, optional): More ``camera.json`` entries. Defaults to None.
    """
    np.savetxt(osp.join(gt_dir, 'poses.txt'), T[:, :3, :].reshape(len(T), 12), fmt='%.9e')
    cam = dict(
        K=K.tolist(),
        width=size[0],
        height=size[1],
        baseline=baseline,
        depth_scale=DEPTH_SCALE,
        flow='kitti_png',
        pose='T_world_cam',
        image_files=image_files,
    )
    cam.update(extra or {})
    write_text(osp.join(gt_dir, 'camera.json'), json.dumps(cam, indent=1) + '\n')
