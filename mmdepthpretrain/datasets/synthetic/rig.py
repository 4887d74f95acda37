"""The sensor rigs of the synthetic world: the real cameras' intrinsics, baselines and
mounting heights per layout, the 64-beam lidar, and the KITTI calibration files.

Intrinsics are the real camera's scaled to the requested size (pixel-centre aligned:
c' = s (c + 0.5) - 0.5). The KITTI geometry the renderer uses is read back from the
calibration text it writes, through the package's one calibration reader
(:mod:`mmdepthpretrain.datasets.kitti_utils`), so the files are exactly what the
renderer used.
"""

from typing import Dict, Tuple

import numpy as np

from ..kitti_utils import KittiCalib, parse_calib_lines
from .geometry import rot_x, rot_z
from .io import format_calib

__all__ = ['RIGS', 'scaled_K', 'kitti_calibration', 'LIDAR_ELEVATIONS', 'LIDAR_COLUMNS']

# Reference intrinsics (fx, fy, cx, cy) at the reference size of each real camera,
# stereo baseline and camera height above the ground (metres), depth range.
RIGS = dict(
    kitti=dict(
        ref=(1242, 375),
        K=(721.5377, 721.5377, 609.5593, 172.854),
        baseline=0.54,
        height=1.65,
        max_depth=200.0,
    ),
    cityscapes=dict(
        ref=(2048, 1024),
        K=(2262.52, 2265.3017905988554, 1096.98, 513.137),
        baseline=0.209313,
        height=1.22,
        max_depth=200.0,
    ),
    nyu=dict(
        ref=(640, 480),
        K=(518.8579, 519.4696, 325.5824, 253.7362),
        baseline=0.0,
        height=1.4,
        max_depth=10.0,
    ),
)
# HDL-64E-like beam elevations (degrees): upper block 2 to -8.33, lower -8.83 to -24.33.
LIDAR_ELEVATIONS = np.deg2rad(
    np.concatenate([np.linspace(2.0, -8.33, 32), np.linspace(-8.83, -24.33, 32)])
)
LIDAR_COLUMNS = 1024  # azimuth bins (0.35 degrees)


def scaled_K(layout: str, size: Tuple[int, int]) -> np.ndarray:
    """3x3 intrinsics of the layout's real camera resized to ``size``.

    Args:
        layout (str): 'kitti', 'cityscapes' or 'nyu'.
        size (tuple): (width, height) in pixels.

    Returns:
        np.ndarray: 3x3 float64 ``K`` (pixel-centre aligned: c' = s (c + 0.5) - 0.5).
    """
    rig = RIGS[layout]
    sx, sy = size[0] / rig['ref'][0], size[1] / rig['ref'][1]
    fx, fy, cx, cy = rig['K']
    return np.array(
        [[fx * sx, 0, sx * (cx + 0.5) - 0.5], [0, fy * sy, sy * (cy + 0.5) - 0.5], [0, 0, 1]],
        np.float64,
    )


def kitti_calibration(
    K: np.ndarray, size: Tuple[int, int], baseline: float = 0.54
) -> Tuple[Dict[str, str], dict]:
    """KITTI calibration texts and the geometry read back from them.

    Camera 0 is the rectified reference; camera 2 (left colour) sits 0.06 m to its left
    and camera 3 ``baseline`` to the right of camera 2, as on the KITTI rig. The
    velodyne (x forward, y left, z up) is 0.27 m behind and 0.08 m above camera 0.

    Args:
        K (np.ndarray): 3x3 intrinsics of the rectified cameras.
        size (tuple): (width, height) of the images.
        baseline (float): Stereo baseline in metres. Defaults to 0.54.

    Returns:
        tuple: (texts dict file name -> str, geometry dict with ``K`` (3x3),
        ``baseline`` and ``T_cam2_velo`` (4x4) as :class:`~..kitti_utils.KittiCalib`
        reads them from the texts).
    """
    R_rect = rot_x(0.004) @ rot_z(-0.002)
    # velodyne -> rectified camera 0: axis permutation + a small mounting rotation
    perm = np.array([[0, -1, 0], [0, 0, -1], [1, 0, 0]], np.float64)
    R_rv = rot_x(-0.003) @ perm @ rot_z(0.0075)
    t_rv = np.array([-0.0041, -0.0763, -0.2718])
    R_v2c = R_rect.T @ R_rv  # written file maps to the unrectified camera 0
    T_v2c = R_rect.T @ t_rv
    tx = {0: 0.0, 1: -baseline, 2: 0.06, 3: 0.06 - baseline}
    W, H = size
    cam = [('calib_time', '01-Jan-2011 12:00:00'), ('corner_dist', 9.95e-02)]
    for k in range(4):
        P = np.hstack([K, K @ np.array([[tx[k]], [0.0], [0.0]])])
        cam += [
            (f'S_0{k}', [W, H]),
            (f'K_0{k}', K),
            (f'D_0{k}', np.zeros(5)),
            (f'R_0{k}', np.eye(3)),
            (f'T_0{k}', R_rect.T @ np.array([tx[k], 0, 0])),
            (f'S_rect_0{k}', [W, H]),
            (f'R_rect_0{k}', R_rect),
            (f'P_rect_0{k}', P),
        ]
    velo = [
        ('calib_time', '01-Jan-2011 12:00:00'),
        ('R', R_v2c),
        ('T', T_v2c),
        ('delta_f', [0.0, 0.0]),
        ('delta_c', [0.0, 0.0]),
    ]
    imu = [
        ('calib_time', '01-Jan-2011 12:00:00'),
        ('R', rot_z(0.0008) @ rot_x(-0.002)),
        ('T', [-0.8087, 0.3196, -0.7997]),
    ]
    texts = {
        'calib_cam_to_cam.txt': format_calib(cam),
        'calib_velo_to_cam.txt': format_calib(velo),
        'calib_imu_to_velo.txt': format_calib(imu),
    }
    # geometry read back from the text as written (so rendering matches what a reader parses)
    parsed = {name: parse_calib_lines(text.splitlines(), name) for name, text in texts.items()}
    calib = KittiCalib(parsed['calib_cam_to_cam.txt'], parsed['calib_velo_to_cam.txt'])
    geom = dict(
        K=calib.P_rect[2][:, :3].copy(), baseline=calib.baseline, T_cam2_velo=_T_cam2_velo(calib)
    )
    return texts, geom


def _T_cam2_velo(calib: KittiCalib) -> np.ndarray:
    """Velodyne to rectified camera 2, ``[I | t_2] R_rect_00 [R | T]``.

    The same transform as ``calib.T_cam_velo(2)``, multiplied in the order the renderer
    has always used (rectification applied to ``R`` and ``T`` first); the two differ by
    rounding (1e-17), which would move a few lidar points by one float32 step.
    """
    R_rect = np.ascontiguousarray(calib.R_rect_00[:3, :3])
    T_r0_v = np.eye(4)
    T_r0_v[:3, :3] = R_rect @ np.ascontiguousarray(calib.T_cam0_velo[:3, :3])
    T_r0_v[:3, 3] = R_rect @ np.ascontiguousarray(calib.T_cam0_velo[:3, 3])
    P2 = calib.P_rect[2]
    T_c2_r0 = np.eye(4)
    T_c2_r0[:3, 3] = np.linalg.solve(P2[:, :3], P2[:, 3])
    return T_c2_r0 @ T_r0_v
