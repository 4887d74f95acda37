"""Writer of the KITTI raw layout: the calibration files of the date folder and one
drive per sequence (stereo images, velodyne scans, timestamps)::

    <out>/2011_01_01/calib_cam_to_cam.txt, calib_velo_to_cam.txt, calib_imu_to_velo.txt
    <out>/2011_01_01/2011_01_01_drive_%04d_sync/
        image_02/data/%010d.png   image_03/data/%010d.png   (+ timestamps.txt)
        velodyne_points/data/%010d.bin  (+ timestamps.txt, timestamps_start/end.txt)
    <out>/ground_truth/2011_01_01/<drive>/   (see :mod:`.ground_truth`)
"""

import os
import os.path as osp
from typing import Tuple

import numpy as np

from ..frames import render_sequence
from ..io import imwrite, write_text
from ..preview import STREET_PALETTE, preview_row
from ..rig import RIGS, kitti_calibration, scaled_K
from ..trajectory import street_sequence
from .ground_truth import make_gt_dirs, write_gt_frame, write_gt_meta

__all__ = ['KITTI_DATE', 'write_kitti_calibration', 'write_kitti_drive']

KITTI_DATE = '2011_01_01'
FRAME_PERIOD_NS = 103_600_000  # about 9.65 Hz, as the KITTI cameras


def write_kitti_calibration(out_dir: str, size: Tuple[int, int]) -> dict:
    """Write the three calibration files of ``<out_dir>/<KITTI_DATE>``.

    Args:
        out_dir (str): Output root.
        size (tuple): (width, height) of the images.

    Returns:
        dict: The geometry read back from the files (see
        :func:`~..rig.kitti_calibration`).
    """
    texts, geom = kitti_calibration(scaled_K('kitti', size), size, RIGS['kitti']['baseline'])
    os.makedirs(osp.join(out_dir, KITTI_DATE), exist_ok=True)
    for name, text in texts.items():
        write_text(osp.join(out_dir, KITTI_DATE, name), text)
    return geom


def _timestamps(start_ns, n, period_ns=FRAME_PERIOD_NS):
    out = []
    for k in range(n):
        t = start_ns + k * period_ns
        sec, ns = divmod(t, 1_000_000_000)
        hh, rem = divmod(sec, 3600)
        mm, ss = divmod(rem, 60)
        out.append(f'{KITTI_DATE.replace("_", "-")} {hh:02d}:{mm:02d}:{ss:02d}.{ns:09d}')
    return '\n'.join(out) + '\n'


def write_kitti_drive(spec: dict) -> np.ndarray:
    """Render and write one drive into the staging folder ``spec['stage']``.

    Args:
        spec (dict): Unit spec with ``seed``, ``frames``, ``moving``, ``overlap``,
            ``size``, ``index`` (drive number - 1), ``name`` (drive folder) and ``geom``
            (from :func:`write_kitti_calibration`).

    Returns:
        np.ndarray: The contact-sheet row of the first frame.
    """
    scene, T = street_sequence(
        spec['seed'], spec['frames'], spec['moving'], spec['overlap'], 'kitti'
    )
    geom = spec['geom']
    K, drive = geom['K'], spec['name']
    root = osp.join(spec['stage'], KITTI_DATE, drive)
    gt = osp.join(spec['stage'], 'ground_truth', KITTI_DATE, drive)
    for sub in ('image_02/data', 'image_03/data', 'velodyne_points/data'):
        os.makedirs(osp.join(root, sub), exist_ok=True)
    make_gt_dirs(gt, True)
    preview = None
    for k, fr, flow in render_sequence(spec, scene, T, K, geom['T_cam2_velo']):
        name = f'{k:010d}.png'
        imwrite(osp.join(root, 'image_02/data', name), fr['rgb'], rgb=True)
        imwrite(osp.join(root, 'image_03/data', name), fr['rgb_right'], rgb=True)
        fr['lidar'].tofile(osp.join(root, 'velodyne_points/data', f'{k:010d}.bin'))
        write_gt_frame(gt, name, fr, flow)
        if k == 0:
            preview = preview_row(fr, K, STREET_PALETTE, geom['T_cam2_velo'])
    start = (12 * 3600 + spec['index'] * 600) * 1_000_000_000
    for sub, ofs in (('image_02', 0), ('image_03', 0), ('velodyne_points', -51_800_000)):
        write_text(osp.join(root, sub, 'timestamps.txt'), _timestamps(start + ofs, len(T)))
    for name, ofs in (('timestamps_start.txt', -FRAME_PERIOD_NS), ('timestamps_end.txt', 0)):
        write_text(osp.join(root, 'velodyne_points', name), _timestamps(start + ofs, len(T)))
    files = [f'{KITTI_DATE}/{drive}/image_02/data/{k:010d}.png' for k in range(len(T))]
    write_gt_meta(gt, K, spec['size'], geom['baseline'], T, files)
    return preview
