"""Rendering of the synthetic rig: one frame (left and right camera, lidar) and the
optical flow between consecutive frames, and a whole sequence frame by frame.

Depth is the camera z (the ray parameter of a pinhole view); flow is the motion of the
left camera's pixels from frame k to k + 1, computed from depth, poses and the motion
of the objects (occluded pixels included; sky moves with the rotation only).
"""

from typing import Iterator, Optional, Tuple

import numpy as np

from .render import cast_rays, shade
from .rig import LIDAR_COLUMNS, LIDAR_ELEVATIONS, RIGS
from .views import LidarView, PinholeView

__all__ = ['render_frame', 'compute_flow', 'render_sequence']


def render_frame(
    scene, frame, T_world_cam, K, size, max_depth=200.0, baseline=0.0, T_cam_velo=None
):
    """Render one frame of a scene.

    Args:
        scene (Scene): A finalised scene.
        frame (int): Frame index (poses of moving objects).
        T_world_cam (np.ndarray): 4x4 pose of the left camera.
        K (np.ndarray): 3x3 intrinsics.
        size (tuple): (width, height).
        max_depth (float): Depth range of the cameras. Defaults to 200.
        baseline (float): Also render a right camera this far along +x. Defaults to 0
            (no right camera).
        T_cam_velo (np.ndarray, optional): 4x4 velodyne-to-camera transform; also
            render the lidar. Defaults to None.

    Returns:
        dict: ``rgb`` (H, W, 3) uint8, ``depth`` (H, W) float64 (inf = sky / beyond
        range), ``label``, ``instance``, ``hit`` (primitive ids), ``rgb_right`` and
        ``depth_right`` when ``baseline`` > 0, ``lidar`` (N, 4) float32 in velodyne
        coordinates when ``T_cam_velo`` is given.
    """
    view = PinholeView(K, T_world_cam, size, max_depth)
    t, hit = cast_rays(scene, frame, view)
    out = dict(depth=t, hit=hit, **shade(scene, frame, view, t, hit))
    if baseline > 0:
        T_c_r = np.eye(4)
        T_c_r[0, 3] = baseline
        right = PinholeView(K, T_world_cam @ T_c_r, size, max_depth)
        tr, hr = cast_rays(scene, frame, right)
        out.update(depth_right=tr, rgb_right=shade(scene, frame, right, tr, hr)['rgb'])
    if T_cam_velo is not None:
        lv = LidarView(T_world_cam @ T_cam_velo, LIDAR_ELEVATIONS, LIDAR_COLUMNS)
        tl, hl = cast_rays(scene, frame, lv)
        m = np.isfinite(tl)
        pts = lv.local_dirs[m] * tl[m, None]
        refl = scene.lidar_reflectance(lv.origin + lv.dirs[m] * tl[m, None], hl[m])
        out['lidar'] = np.concatenate([pts, refl[:, None]], 1).astype(np.float32)
    return out


def compute_flow(scene, frame, depth, hit, T_wc_a, T_wc_b, K):
    """Optical flow from frame a to frame a + 1 of the left camera (scene motion
    included). Sky moves with the rotation only. Returns (flow (H, W, 2), valid)."""
    H, W = depth.shape
    u, v = np.meshgrid(np.arange(W, dtype=np.float64), np.arange(H, dtype=np.float64))
    rays = np.stack([u, v, np.ones_like(u)], -1) @ np.linalg.inv(K).T
    sky = ~np.isfinite(depth)
    Pc = rays * np.where(sky, 0.0, depth)[..., None]
    Pw = Pc @ T_wc_a[:3, :3].T + T_wc_a[:3, 3]
    moving = hit >= 0
    moving[moving] = scene.moving[scene.prim_object[hit[moving]]]
    if moving.any():
        M = scene.object_motion(frame, frame + 1)[scene.prim_object[hit[moving]]]
        Pw[moving] = np.einsum('nij,nj->ni', M[:, :3, :3], Pw[moving]) + M[:, :3, 3]
    T_cw_b = np.linalg.inv(T_wc_b)
    Pb = Pw @ T_cw_b[:3, :3].T + T_cw_b[:3, 3]
    dirs_b = (rays @ T_wc_a[:3, :3].T) @ T_cw_b[:3, :3].T  # sky: directions only
    Pb[sky] = dirs_b[sky]
    z = Pb[..., 2]
    valid = z > 1e-6
    zs = np.where(valid, z, 1.0)
    ub = K[0, 0] * Pb[..., 0] / zs + K[0, 2]
    vb = K[1, 1] * Pb[..., 1] / zs + K[1, 2]
    return np.stack([ub - u, vb - v], -1), valid


def render_sequence(
    spec: dict, scene, T: np.ndarray, K: np.ndarray, T_cam_velo: Optional[np.ndarray] = None
) -> Iterator[Tuple[int, dict, Optional[tuple]]]:
    """Render all frames of a sequence with the rig of ``spec['layout']``.

    Args:
        spec (dict): The sequence's unit spec (``layout``, ``size``).
        scene (Scene): The finalised scene.
        T (np.ndarray): (M, 4, 4) ``T_world_cam`` of the left camera.
        K (np.ndarray): 3x3 intrinsics.
        T_cam_velo (np.ndarray, optional): 4x4 velodyne-to-camera transform; also
            render the lidar. Defaults to None.

    Yields:
        tuple: (frame index k, frame dict of :func:`render_frame`, flow k -> k + 1 as
        (flow, valid), or None for the last frame).
    """
    rig = RIGS[spec['layout']]
    prev = None
    for k in range(len(T)):
        fr = render_frame(
            scene, k, T[k], K, spec['size'], rig['max_depth'], rig['baseline'], T_cam_velo
        )
        if prev is not None:
            yield (
                k - 1,
                prev,
                compute_flow(scene, k - 1, prev['depth'], prev['hit'], T[k - 1], T[k], K),
            )
        prev = fr
    yield len(T) - 1, prev, None
