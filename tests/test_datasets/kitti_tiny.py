"""A tiny analytic KITTI-raw tree for dataset / transform tests.

Scene (coordinates of the left camera, ``image_02``, at frame 0; x right, y down,
z forward): ground plane ``y = 1.5`` and a wall ``z = WALL_Z``, both textured by a
smooth function of the 3D point, so every view of it is consistent. The rig moves
``STEP`` metres forward and yaws ``YAW`` radians per frame; the right camera is
``BASELINE`` to the right of the left one.
Calibration files follow the KITTI format with a non-trivial ``R_rect_00`` and the
velodyne axes (x forward, y left, z up).
"""

import os
import os.path as osp

import cv2
import numpy as np

W, H = 248, 76
FX, FY, CX, CY = 150.0, 148.0, 123.6, 37.2
T2X, T3X = 0.06, -0.47  # P_rect_0k[0, 3] / fx, as in real KITTI calib files
BASELINE = T2X - T3X
STEP = 0.4
YAW = 0.03
WALL_Z = 12.0
CAM_HEIGHT = 1.5
DATE = '2011_09_26'
DRIVE = '2011_09_26_drive_0001_sync'
FOLDER = f'{DATE}/{DRIVE}'
K3 = np.array([[FX, 0, CX], [0, FY, CY], [0, 0, 1]])


def _rot(axis, angle):
    c, s = np.cos(angle), np.sin(angle)
    i, j = [(1, 2), (0, 2), (0, 1)][axis]
    R = np.eye(3)
    R[i, i], R[i, j], R[j, i], R[j, j] = c, -s, s, c
    return R


R_RECT = _rot(0, 0.004) @ _rot(1, -0.003)
# velodyne -> camera-0 axes (x_cam = -y_velo, y_cam = -z_velo, z_cam = x_velo)
R_VELO = np.array([[0, -1, 0], [0, 0, -1], [1, 0, 0]], dtype=np.float64) @ _rot(2, 0.01)
T_VELO = np.array([-0.004, -0.07, -0.27])


def T_cam2_velo():
    T0 = np.eye(4)
    T0[:3, :3], T0[:3, 3] = R_VELO, T_VELO
    Rr = np.eye(4)
    Rr[:3, :3] = R_RECT
    Tt = np.eye(4)
    Tt[0, 3] = T2X
    return Tt @ Rr @ T0


def texture(P):
    """RGB in [0, 255] of 3D points (N, 3)."""
    x, y, z = P[:, 0], P[:, 1], P[:, 2]
    r = 128 + 45 * np.sin(1.3 * x + 0.9 * y + 0.8 * z) + 35 * np.sin(0.7 * x - 1.1 * z + 1.0)
    g = 128 + 50 * np.sin(0.8 * x - 1.2 * y + 0.5 * z + 2.0) + 30 * np.cos(1.5 * z + 0.3 * x)
    b = 128 + 40 * np.cos(1.1 * x + 0.6 * y - 0.9 * z) + 40 * np.sin(0.9 * y + 1.4 * x)
    return np.stack([r, g, b], -1)


def T_world_cam(frame, cam=2):
    """Pose of camera ``cam`` (2 left, 3 right) at ``frame``: yaws ``YAW`` per frame."""
    R = _rot(1, YAW * frame)
    T = np.eye(4)
    T[:3, :3] = R
    T[:3, 3] = np.array([0.0, 0.0, STEP * frame]) + (
        R @ np.array([BASELINE, 0.0, 0.0]) if cam == 3 else 0.0
    )
    return T


def T_src_tgt(tgt, src, cam=2):
    """Target (frame ``tgt``) to source (frame ``src``) transform of camera ``cam``."""
    return np.linalg.inv(T_world_cam(src, cam)) @ T_world_cam(tgt, cam)


def render(T_wc, K=K3, size=(H, W), mirror=False):
    """Image (RGB float, (H, W, 3)) and depth of a camera with pose ``T_wc``.

    ``mirror=True`` renders the horizontally flipped view: camera x axis negated.
    """
    h, w = size
    u, v = np.meshgrid(np.arange(w, dtype=np.float64), np.arange(h, dtype=np.float64))
    rays_c = (
        np.stack([u.ravel(), v.ravel(), np.ones(u.size)], -1)
        @ np.linalg.inv(np.asarray(K, dtype=np.float64)[:3, :3]).T
    )
    if mirror:
        rays_c[:, 0] *= -1
    rays = rays_c @ T_wc[:3, :3].T
    o = T_wc[:3, 3]
    t_wall = (WALL_Z - o[2]) / rays[:, 2]
    with np.errstate(divide='ignore'):
        t_ground = np.where(rays[:, 1] > 1e-9, (CAM_HEIGHT - o[1]) / rays[:, 1], np.inf)
    t = np.minimum(t_wall, t_ground)
    P = rays * t[:, None] + o
    # rays_c has z = 1, so the ray parameter is the camera depth
    return texture(P).reshape(h, w, 3), t.reshape(h, w)


def calib_text():
    P2 = np.array([[FX, 0, CX, FX * T2X], [0, FY, CY, 0], [0, 0, 1, 0]])
    P3 = np.array([[FX, 0, CX, FX * T3X], [0, FY, CY, 0], [0, 0, 1, 0]])
    fmt = ' '.join
    cc = [
        'calib_time: 09-Jan-2012 13:57:47',
        'corner_dist: 9.950000e-02',
        f'S_rect_02: {W}.0 {H}.0',
        f'R_rect_00: {fmt(f"{x:.12e}" for x in R_RECT.ravel())}',
        f'P_rect_02: {fmt(f"{x:.12e}" for x in P2.ravel())}',
        f'S_rect_03: {W}.0 {H}.0',
        f'P_rect_03: {fmt(f"{x:.12e}" for x in P3.ravel())}',
    ]
    vc = [
        'calib_time: 15-Mar-2012 11:37:16',
        f'R: {fmt(f"{x:.12e}" for x in R_VELO.ravel())}',
        f'T: {fmt(f"{x:.12e}" for x in T_VELO)}',
        'delta_f: 0 0',
        'delta_c: 0 0',
    ]
    return '\n'.join(cc) + '\n', '\n'.join(vc) + '\n'


def lidar_points(depth, rng, n=400):
    """Velodyne points at random pixel centres of a depth map, plus distractors.

    Returns the points and the (v, u, depth) ground truth of the kept ones.
    """
    h, w = depth.shape
    idx = rng.choice(h * w, size=n, replace=False)
    v, u = np.divmod(idx, w)
    z = depth[v, u]
    X = np.stack([(u - CX) / FX * z, (v - CY) / FY * z, z, np.ones_like(z)], -1)
    Tcv = T_cam2_velo()
    velo = (np.linalg.inv(Tcv) @ X.T).T[:, :3]
    # occluded duplicate behind the first point: must lose against the nearer one
    far = (np.linalg.inv(Tcv) @ (X[0] * np.array([2, 2, 2, 1]))).T[:3]
    behind = np.array([[-5.0, 0.3, 0.1], [-20.0, -1.0, 0.5]])  # x < 0 (behind)
    outside = (np.linalg.inv(Tcv) @ np.array([30.0, 0.0, 5.0, 1.0]))[:3]  # u far right
    pts = np.concatenate([velo, far[None], behind, outside[None]])
    pts = np.concatenate([pts, rng.random((len(pts), 1))], 1).astype(np.float32)
    return pts, (v, u, z)


def make_kitti_tiny(root, num_frames=5, jpg_drive=False, velodyne=True, seed=0):
    """Write the tree; returns a dict with ground truth for the tests."""
    rng = np.random.default_rng(seed)
    cc, vc = calib_text()
    os.makedirs(osp.join(root, DATE), exist_ok=True)
    with open(osp.join(root, DATE, 'calib_cam_to_cam.txt'), 'w') as f:
        f.write(cc)
    with open(osp.join(root, DATE, 'calib_velo_to_cam.txt'), 'w') as f:
        f.write(vc)
    gt = dict(depth={}, lidar={})
    ext = '.jpg' if jpg_drive else '.png'
    for cam in (2, 3):
        d = osp.join(root, FOLDER, f'image_0{cam}', 'data')
        os.makedirs(d, exist_ok=True)
        for i in range(num_frames):
            img, depth = render(T_world_cam(i, cam))
            bgr = np.clip(img, 0, 255).round().astype(np.uint8)[..., ::-1]
            cv2.imwrite(osp.join(d, f'{i:010d}{ext}'), bgr)
            gt['depth'][(cam, i)] = depth
    gtd = osp.join(root, 'ground_truth', FOLDER, 'depth_02')
    os.makedirs(gtd, exist_ok=True)
    for i in range(num_frames):
        cv2.imwrite(
            osp.join(gtd, f'{i:010d}.png'), np.round(gt['depth'][(2, i)] * 256).astype(np.uint16)
        )
    if velodyne:
        vd = osp.join(root, FOLDER, 'velodyne_points', 'data')
        os.makedirs(vd, exist_ok=True)
        for i in range(num_frames):
            pts, truth = lidar_points(gt['depth'][(2, i)], rng)
            pts.tofile(osp.join(vd, f'{i:010d}.bin'))
            gt['lidar'][i] = truth
    return gt
