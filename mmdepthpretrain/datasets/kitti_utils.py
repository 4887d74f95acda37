"""KITTI raw helpers: calibration parsing, stereo geometry and lidar projection.

The calibration reader of the whole package (:func:`read_calib_file`,
:class:`KittiCalib`): the KITTI datasets and the synthetic world use it.

Pure numpy; no OpenMMLab import, so the geometry can be tested on its own.

Facts used (KITTI raw devkit, Geiger et al., "Vision meets Robotics: The KITTI
Dataset", IJRR 2013):

* ``calib_cam_to_cam.txt`` holds, per camera ``k``, ``P_rect_0k`` (3x4 projection of
  the rectified camera ``k`` for points in rectified camera-0 coordinates),
  ``R_rect_00`` (3x3 rectifying rotation of camera 0) and ``S_rect_0k`` (width, height
  of the rectified image).
* ``calib_velo_to_cam.txt`` holds ``R`` (3x3) and ``T`` (3) mapping velodyne points to
  (unrectified) camera-0 coordinates.
* A velodyne point ``X`` lands in the rectified image of camera ``k`` at
  ``P_rect_0k @ R_rect_00 @ [R|T] @ X``. ``P_rect_0k = K [I | t_k]``, so the depth of the
  point in camera ``k`` is the third projected coordinate.
* Stereo baseline (metres) ``= (P_rect_02[0, 3] - P_rect_03[0, 3]) / fx``.

Conventions (project-wide): OpenCV camera axes, integer pixel = pixel centre, intrinsics
as 4x4 float32, ``T_a_b`` maps points of frame ``b`` into frame ``a``.
"""

import os
import os.path as osp
from typing import Dict, Iterable, Optional, Tuple

import numpy as np

__all__ = [
    'parse_calib_lines',
    'read_calib_file',
    'KittiCalib',
    'load_kitti_calib',
    'load_velodyne_points',
    'project_points_to_depth',
]


def parse_calib_lines(lines: Iterable[str], source: str = '') -> Dict[str, np.ndarray]:
    """Parse the lines of a KITTI ``key: v1 v2 ...`` calibration file.

    Lines whose values are not all numbers (``calib_time: 09-Jan-2012 ...``) and lines
    without a ``:`` are kept out of the result.

    Args:
        lines (Iterable[str]): The lines (an open file or ``text.splitlines()``).
        source (str): File the lines come from, used in error messages. Defaults to ''.

    Returns:
        dict[str, np.ndarray]: float64 vectors keyed by the entry name.

    Raises:
        ValueError: If no numeric entry could be parsed.
    """
    data = {}
    for line in lines:
        if ':' not in line:
            continue
        key, value = line.split(':', 1)
        try:
            data[key.strip()] = np.array([float(x) for x in value.split()])
        except ValueError:
            continue
    if not data:
        raise ValueError(f'No numeric calibration entry found in {source or "the given text"}.')
    return data


def read_calib_file(path: str) -> Dict[str, np.ndarray]:
    """Read a KITTI ``key: v1 v2 ...`` calibration file (see :func:`parse_calib_lines`).

    This is the one calibration reader of the package: the KITTI datasets and the
    synthetic world (which writes these files) both parse through it.

    Args:
        path (str): Path of the calibration text file.

    Returns:
        dict[str, np.ndarray]: float64 vectors keyed by the entry name.

    Raises:
        FileNotFoundError: If the file does not exist (the message names the path).
        ValueError: If no numeric entry could be parsed.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'KITTI calibration file not found: {path}. Each date folder of a KITTI '
            'raw root must hold calib_cam_to_cam.txt and calib_velo_to_cam.txt '
            '(from the raw_data "calib" archive of that date).'
        )
    with open(path) as f:
        return parse_calib_lines(f, path)


def _get(calib: Dict[str, np.ndarray], key: str, size: int, path: str) -> np.ndarray:
    if key not in calib or calib[key].size != size:
        raise KeyError(f'Calibration entry "{key}" with {size} values missing in {path}.')
    return calib[key]


class KittiCalib:
    """Calibration of one KITTI raw date folder.

    Args:
        cam_to_cam (dict): Parsed ``calib_cam_to_cam.txt``.
        velo_to_cam (dict, optional): Parsed ``calib_velo_to_cam.txt``. Defaults to None.
        source (str): Folder the files came from, used in error messages.
            Defaults to ''.
    """

    def __init__(
        self,
        cam_to_cam: Dict[str, np.ndarray],
        velo_to_cam: Optional[Dict[str, np.ndarray]] = None,
        source: str = '',
    ) -> None:
        self.source = source
        cc_path = osp.join(source, 'calib_cam_to_cam.txt')
        self.P_rect = {
            cam: _get(cam_to_cam, f'P_rect_0{cam}', 12, cc_path).reshape(3, 4) for cam in (2, 3)
        }
        self.R_rect_00 = np.eye(4)
        self.R_rect_00[:3, :3] = _get(cam_to_cam, 'R_rect_00', 9, cc_path).reshape(3, 3)
        self.image_size = {}
        for cam in (2, 3):
            s = cam_to_cam.get(f'S_rect_0{cam}')
            # (width, height) as written by KITTI.
            self.image_size[cam] = (
                (int(round(s[0])), int(round(s[1]))) if (s is not None and s.size == 2) else None
            )
        self.T_cam0_velo = None
        if velo_to_cam is not None:
            vc_path = osp.join(source, 'calib_velo_to_cam.txt')
            T = np.eye(4)
            T[:3, :3] = _get(velo_to_cam, 'R', 9, vc_path).reshape(3, 3)
            T[:3, 3] = _get(velo_to_cam, 'T', 3, vc_path)
            self.T_cam0_velo = T

    def K(self, cam: int = 2) -> np.ndarray:
        """Intrinsics of rectified camera ``cam`` as a 4x4 float32 matrix."""
        K = np.eye(4, dtype=np.float32)
        K[:3, :3] = self.P_rect[cam][:, :3]
        return K

    @property
    def baseline(self) -> float:
        """Stereo baseline in metres (positive; camera 3 is right of camera 2)."""
        fx = self.P_rect[2][0, 0]
        return float((self.P_rect[2][0, 3] - self.P_rect[3][0, 3]) / fx)

    def stereo_T(self, side: str) -> np.ndarray:
        """``T_other_target`` for a target on ``side`` ('l' = image_02, 'r' = image_03).

        The right camera sits at ``+baseline`` along x of the left one, so a point in
        left coordinates is ``p_r = p_l - [b, 0, 0]``: ``stereo_T[0, 3] = -b`` for a
        left target and ``+b`` for a right target.
        """
        T = np.eye(4, dtype=np.float32)
        T[0, 3] = -self.baseline if side == 'l' else self.baseline
        return T

    def T_cam_velo(self, cam: int = 2) -> np.ndarray:
        """4x4 transform from velodyne to rectified camera ``cam`` coordinates.

        ``P_rect_0k = K [I | t]`` gives ``t = K^-1 P_rect_0k[:, 3]``, so the point in
        camera ``k`` is ``[I | t] R_rect_00 [R | T] X``.
        """
        if self.T_cam0_velo is None:
            raise FileNotFoundError(
                f'calib_velo_to_cam.txt is needed for lidar depth but was not loaded '
                f'from {self.source}.'
            )
        P = self.P_rect[cam]
        t = np.linalg.solve(P[:, :3], P[:, 3])
        T_rect = np.eye(4)
        T_rect[:3, 3] = t
        return (T_rect @ self.R_rect_00 @ self.T_cam0_velo).astype(np.float64)


def load_kitti_calib(date_dir: str, with_velo: bool = True) -> KittiCalib:
    """Load the calibration of one KITTI raw date folder.

    Args:
        date_dir (str): Folder holding ``calib_cam_to_cam.txt`` (and
            ``calib_velo_to_cam.txt``), e.g. ``data/kitti_raw/2011_09_26``.
        with_velo (bool): Also read ``calib_velo_to_cam.txt``. Defaults to True.

    Returns:
        KittiCalib: Parsed calibration.
    """
    cam = read_calib_file(osp.join(date_dir, 'calib_cam_to_cam.txt'))
    velo = read_calib_file(osp.join(date_dir, 'calib_velo_to_cam.txt')) if with_velo else None
    return KittiCalib(cam, velo, source=date_dir)


def load_velodyne_points(path: str) -> np.ndarray:
    """Load a velodyne scan (``float32`` N x 4: x, y, z, reflectance).

    Args:
        path (str): ``.bin`` file.

    Returns:
        np.ndarray: (N, 4) float32 array.
    """
    pts = np.fromfile(path, dtype=np.float32)
    if pts.size % 4:
        raise ValueError(
            f'{path}: size {pts.size} floats is not a multiple of 4; '
            'expected a KITTI velodyne scan (x, y, z, reflectance).'
        )
    return pts.reshape(-1, 4)


def project_points_to_depth(
    points: np.ndarray,
    T_cam_velo: np.ndarray,
    K: np.ndarray,
    image_size: Tuple[int, int],
    min_depth: float = 1e-3,
) -> np.ndarray:
    """Project lidar points into a sparse depth map (nearest depth per pixel).

    Points behind the scanner (``x <= 0`` in velodyne coordinates, KITTI's forward
    axis), behind the camera, or outside the image are dropped. A point projecting to
    ``(u, v)`` is assigned to the pixel whose centre is nearest, ``(round(u), round(v))``.
    When several points hit one pixel, the smallest depth is kept.

    Args:
        points (np.ndarray): (N, 3+) velodyne points.
        T_cam_velo (np.ndarray): 4x4 velodyne-to-camera transform.
        K (np.ndarray): 3x3 or 4x4 intrinsics at the output resolution.
        image_size (tuple[int, int]): Output (height, width).
        min_depth (float): Points closer than this are dropped. Defaults to 1e-3.

    Returns:
        np.ndarray: (H, W) float32 depth in metres, 0 where no point landed.
    """
    h, w = int(image_size[0]), int(image_size[1])
    pts = np.asarray(points, dtype=np.float64)
    pts = pts[pts[:, 0] > 0, :3]
    cam = pts @ T_cam_velo[:3, :3].T + T_cam_velo[:3, 3]
    z = cam[:, 2]
    keep = z > min_depth
    cam, z = cam[keep], z[keep]
    K = np.asarray(K, dtype=np.float64)
    u = K[0, 0] * cam[:, 0] / z + K[0, 1] * cam[:, 1] / z + K[0, 2]
    v = K[1, 1] * cam[:, 1] / z + K[1, 2]
    ui = np.round(u).astype(np.int64)
    vi = np.round(v).astype(np.int64)
    inside = (ui >= 0) & (ui < w) & (vi >= 0) & (vi < h)
    ui, vi, z = ui[inside], vi[inside], z[inside]
    depth = np.zeros((h, w), dtype=np.float32)
    if z.size == 0:
        return depth
    lin = vi * w + ui
    order = np.argsort(z, kind='stable')
    # First occurrence of each pixel in depth order = nearest point on that pixel.
    uniq, first = np.unique(lin[order], return_index=True)
    depth.reshape(-1)[uniq] = z[order][first]
    return depth


def list_image_names(folder: str, cache: Optional[dict] = None) -> frozenset:
    """Names of the files in ``folder`` (empty if missing), optionally memoised."""
    if cache is not None and folder in cache:
        return cache[folder]
    try:
        names = frozenset(os.listdir(folder))
    except (FileNotFoundError, NotADirectoryError):
        names = frozenset()
    if cache is not None:
        cache[folder] = names
    return names
