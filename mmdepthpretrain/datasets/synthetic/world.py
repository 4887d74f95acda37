"""Generate a synthetic world in the KITTI, Cityscapes or NYU layout (see the package
docstring for the exact files)."""

import json
import multiprocessing as mp
import os
import os.path as osp
import shutil
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

from .geometry import yaw_matrix
from .io import encode_depth, encode_flow, format_calib, imwrite, write_text
from .labels import LABELS
from .render import cast_rays, shade
from .room import ROOM_PATH, make_room
from .street import make_street
from .views import LidarView, PinholeView

__all__ = [
    'generate_world',
    'KITTI_DATE',
    'CITYSCAPES_PALETTE',
    'render_frame',
    'kitti_calibration',
    'street_trajectory',
]

KITTI_DATE = '2011_01_01'
MARKER = 'world.json'
LAYOUTS = ('kitti', 'cityscapes', 'nyu')
# Reference intrinsics (fx, fy, cx, cy) at the reference size of each real camera.
_RIGS = dict(
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
CITYSCAPES_PALETTE = {
    7: (128, 64, 128),
    8: (244, 35, 232),
    11: (70, 70, 70),
    17: (153, 153, 153),
    20: (220, 220, 0),
    21: (107, 142, 35),
    22: (152, 251, 152),
    23: (70, 130, 180),
    24: (220, 20, 60),
    26: (0, 0, 142),
}
_LAYOUT_CODE = dict(kitti=1, cityscapes=2, nyu=3, semantics=4)


def scaled_K(layout: str, size: Tuple[int, int]) -> np.ndarray:
    """3x3 intrinsics of the layout's real camera resized to ``size`` = (W, H)
    (pixel-centre aligned: c' = s (c + 0.5) - 0.5)."""
    rig = _RIGS[layout]
    sx, sy = size[0] / rig['ref'][0], size[1] / rig['ref'][1]
    fx, fy, cx, cy = rig['K']
    return np.array(
        [[fx * sx, 0, sx * (cx + 0.5) - 0.5], [0, fy * sy, sy * (cy + 0.5) - 0.5], [0, 0, 1]],
        np.float64,
    )


def _rot(axis, a):
    c, s = np.cos(a), np.sin(a)
    if axis == 'x':
        return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])  # z


def kitti_calibration(K: np.ndarray, size: Tuple[int, int], baseline: float = 0.54):
    """KITTI calibration texts and the geometry parsed back from them.

    Camera 0 is the rectified reference; camera 2 (left colour) sits 0.06 m to its left
    and camera 3 ``baseline`` to the right of camera 2, as on the KITTI rig. The
    velodyne (x forward, y left, z up) is 0.27 m behind and 0.08 m above camera 0.

    Returns:
        tuple: (texts dict file name -> str, geometry dict with ``K``, ``baseline``,
        ``T_cam2_velo`` (4x4) computed from the parsed files).
    """
    R_rect = _rot('x', 0.004) @ _rot('z', -0.002)
    # velodyne -> rectified camera 0: axis permutation + a small mounting rotation
    perm = np.array([[0, -1, 0], [0, 0, -1], [1, 0, 0]], np.float64)
    R_rv = _rot('x', -0.003) @ perm @ _rot('z', 0.0075)
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
        ('R', _rot('z', 0.0008) @ _rot('x', -0.002)),
        ('T', [-0.8087, 0.3196, -0.7997]),
    ]
    texts = {
        'calib_cam_to_cam.txt': format_calib(cam),
        'calib_velo_to_cam.txt': format_calib(velo),
        'calib_imu_to_velo.txt': format_calib(imu),
    }
    # geometry from the text as written (so rendering matches what a reader parses)
    parse = {}
    for name, text in texts.items():
        parse[name] = {
            ln.split(':')[0]: np.array(ln.split(':', 1)[1].split(), np.float64)
            for ln in text.splitlines()
            if not ln.startswith('calib_time')
        }
    c, v = parse['calib_cam_to_cam.txt'], parse['calib_velo_to_cam.txt']
    P2, P3 = c['P_rect_02'].reshape(3, 4), c['P_rect_03'].reshape(3, 4)
    T_r0_v = np.eye(4)
    T_r0_v[:3, :3] = c['R_rect_00'].reshape(3, 3) @ v['R'].reshape(3, 3)
    T_r0_v[:3, 3] = c['R_rect_00'].reshape(3, 3) @ v['T']
    T_c2_r0 = np.eye(4)
    T_c2_r0[:3, 3] = np.linalg.solve(P2[:, :3], P2[:, 3])
    geom = dict(
        K=P2[:, :3].copy(), baseline=(P2[0, 3] - P3[0, 3]) / P2[0, 0], T_cam2_velo=T_c2_r0 @ T_r0_v
    )
    return texts, geom


# ----------------------------------------------------------------------------- motion
def _smooth(rng, n, amp, periods=(40, 120)):
    k = np.arange(n)
    out = np.zeros(n)
    for _ in range(2):
        out += np.sin(2 * np.pi * k / rng.uniform(*periods) + rng.uniform(0, 6.3))
    return amp * out / 2


def _pose(pos, yaw, pitch, roll):
    T = np.tile(np.eye(4), (len(pos), 1, 1))
    R = yaw_matrix(yaw)
    for i in range(len(pos)):
        R[i] = R[i] @ _rot('x', pitch[i]) @ _rot('z', roll[i])
    T[:, :3, :3] = R
    T[:, :3, 3] = pos
    return T


def street_trajectory(rng, scene_road, frames, lane, height, speed):
    """Camera arc lengths and (M, 4, 4) ``T_world_cam`` along a road: about ``speed``
    metres per frame in the ego lane with small smooth yaw/pitch/roll jitter."""
    v = speed * (1 + 0.12 * _smooth(rng, frames, 1.0))
    s = np.concatenate([[0.0], np.cumsum(v[:-1])])
    lat = lane + _smooth(rng, frames, 0.15)
    x, z, th = scene_road.point(s, lat)
    y = -height + _smooth(rng, frames, 0.01, (8, 20))
    T = _pose(
        np.stack([x, y, z], 1),
        th + _smooth(rng, frames, 0.012, (15, 60)),
        _smooth(rng, frames, 0.006, (10, 40)),
        _smooth(rng, frames, 0.003, (10, 40)),
    )
    return s, T


def room_trajectory(rng, room, frames, height):
    """A slow loop (about 5 cm per frame) through the middle of a room, looking ahead
    and slightly inwards, with a downward tilt."""
    a, _, b = room
    phase = rng.uniform(0, 2 * np.pi) + np.arange(frames) * 0.05 / (ROOM_PATH * min(a, b))
    x, z = ROOM_PATH * a * np.cos(phase), ROOM_PATH * b * np.sin(phase)
    yaw = np.arctan2(-a * np.sin(phase), b * np.cos(phase)) + rng.uniform(-0.6, 0.6)
    y = -height + _smooth(rng, frames, 0.05)
    pitch = -0.15 + _smooth(rng, frames, 0.05)
    return _pose(np.stack([x, y, z], 1), yaw, pitch, _smooth(rng, frames, 0.01))


# ----------------------------------------------------------------------------- render
def render_frame(
    scene, frame, T_world_cam, K, size, max_depth=200.0, baseline=0.0, T_cam_velo=None
):
    """Render one frame of a scene.

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


# ----------------------------------------------------------------------------- sequences
def _street_sequence(seed, frames, moving, overlap, layout):
    rng = np.random.default_rng(seed)
    speed = rng.uniform(0.8, 1.2)
    scene, info = make_street(
        int(rng.integers(2**31)), (0.0, speed * frames * 1.25 + 1), moving, overlap, speed
    )
    cam_s, T = street_trajectory(
        rng, scene.road, frames, info['lane'], _RIGS[layout]['height'], speed
    )
    return scene.finalize(cam_s), T


def _room_sequence(seed, frames, overlap):
    rng = np.random.default_rng(seed)
    scene = make_room(int(rng.integers(2**31)), overlap)
    T = room_trajectory(rng, scene.extent, frames, _RIGS['nyu']['height'] + rng.uniform(-0.2, 0.2))
    return scene.finalize(np.zeros(frames)), T


def _frames(spec, scene, T, K, T_cam_velo=None):
    """Render all frames of a sequence, yielding (k, frame dict, flow or None)."""
    rig = _RIGS[spec['layout']]
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


def _write_gt(gt_dir, k, name, fr, flow):
    imwrite(osp.join(gt_dir, 'depth', name), encode_depth(fr['depth']))
    if 'depth_right' in fr:
        imwrite(osp.join(gt_dir, 'depth_right', name), encode_depth(fr['depth_right']))
    imwrite(osp.join(gt_dir, 'semantic', name), fr['label'])
    imwrite(osp.join(gt_dir, 'instance', name), _kitti_instance(fr))
    if flow is not None:
        imwrite(osp.join(gt_dir, 'flow', name), encode_flow(*flow))


def _gt_dirs(gt_dir, stereo):
    for sub in ('depth', 'semantic', 'instance', 'flow') + (('depth_right',) if stereo else ()):
        os.makedirs(osp.join(gt_dir, sub), exist_ok=True)


def _write_gt_meta(gt_dir, K, size, baseline, T, image_files, extra=None):
    np.savetxt(osp.join(gt_dir, 'poses.txt'), T[:, :3, :].reshape(len(T), 12), fmt='%.9e')
    cam = dict(
        K=K.tolist(),
        width=size[0],
        height=size[1],
        baseline=baseline,
        depth_scale=256.0,
        flow='kitti_png',
        pose='T_world_cam',
        image_files=image_files,
    )
    cam.update(extra or {})
    write_text(osp.join(gt_dir, 'camera.json'), json.dumps(cam, indent=1) + '\n')


def _kitti_instance(fr):
    return fr['label'].astype(np.uint16) * 256 + fr['instance']


def _preview(fr, K, T_cam_velo=None, flow=None):
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


def _timestamps(start_ns, n, period_ns=103_600_000):
    out = []
    for k in range(n):
        t = start_ns + k * period_ns
        sec, ns = divmod(t, 1_000_000_000)
        hh, rem = divmod(sec, 3600)
        mm, ss = divmod(rem, 60)
        out.append(f'{KITTI_DATE.replace("_", "-")} {hh:02d}:{mm:02d}:{ss:02d}.{ns:09d}')
    return '\n'.join(out) + '\n'


def _unit_kitti(spec):
    scene, T = _street_sequence(
        spec['seed'], spec['frames'], spec['moving'], spec['overlap'], 'kitti'
    )
    geom = spec['geom']
    K, drive = geom['K'], spec['name']
    root = osp.join(spec['stage'], KITTI_DATE, drive)
    gt = osp.join(spec['stage'], 'ground_truth', KITTI_DATE, drive)
    for sub in ('image_02/data', 'image_03/data', 'velodyne_points/data'):
        os.makedirs(osp.join(root, sub), exist_ok=True)
    _gt_dirs(gt, True)
    preview = None
    for k, fr, flow in _frames(spec, scene, T, K, geom['T_cam2_velo']):
        name = f'{k:010d}.png'
        imwrite(osp.join(root, 'image_02/data', name), fr['rgb'], rgb=True)
        imwrite(osp.join(root, 'image_03/data', name), fr['rgb_right'], rgb=True)
        fr['lidar'].tofile(osp.join(root, 'velodyne_points/data', f'{k:010d}.bin'))
        _write_gt(gt, k, name, fr, flow)
        if k == 0:
            preview = _preview(fr, K, geom['T_cam2_velo'])
    start = (12 * 3600 + spec['index'] * 600) * 1_000_000_000
    for sub, ofs in (('image_02', 0), ('image_03', 0), ('velodyne_points', -51_800_000)):
        write_text(osp.join(root, sub, 'timestamps.txt'), _timestamps(start + ofs, len(T)))
    for name, ofs in (('timestamps_start.txt', -103_600_000), ('timestamps_end.txt', 0)):
        write_text(osp.join(root, 'velodyne_points', name), _timestamps(start + ofs, len(T)))
    files = [f'{KITTI_DATE}/{drive}/image_02/data/{k:010d}.png' for k in range(len(T))]
    _write_gt_meta(gt, K, spec['size'], geom['baseline'], T, files)
    return preview


def _unit_semantics(spec):
    root = osp.join(spec['stage'], 'data_semantics', 'training')
    gt = osp.join(spec['stage'], 'ground_truth', 'data_semantics', 'training')
    for sub in ('image_2', 'semantic', 'instance', 'semantic_rgb'):
        os.makedirs(osp.join(root, sub), exist_ok=True)
    os.makedirs(osp.join(gt, 'depth'), exist_ok=True)
    K = spec['geom']['K']
    preview = None
    for i, seed in zip(spec['ids'], spec['seeds']):
        scene, T = _street_sequence(seed, 1, True, spec['overlap'], 'kitti')
        fr = render_frame(scene, 0, T[0], K, spec['size'], _RIGS['kitti']['max_depth'])
        name = f'{i:06d}_10.png'
        imwrite(osp.join(gt, 'depth', name), encode_depth(fr['depth']))
        imwrite(osp.join(root, 'semantic', name), fr['label'])
        imwrite(osp.join(root, 'instance', name), _kitti_instance(fr))
        imwrite(osp.join(root, 'semantic_rgb', name), colorize_labels(fr['label']), rgb=True)
        imwrite(osp.join(root, 'image_2', name), fr['rgb'], rgb=True)
        if preview is None:
            preview = _preview(fr, K)
    return preview


def _unit_cityscapes(spec):
    scene, T = _street_sequence(
        spec['seed'], spec['frames'], spec['moving'], spec['overlap'], 'cityscapes'
    )
    K, size, M = spec['K'], spec['size'], spec['frames']
    split, city, seq = spec['split'], spec['city'], spec['seq']
    ann = min(19, M - 2)
    st = spec['stage']
    d = {
        key: osp.join(st, key, split, city)
        for key in (
            'leftImg8bit_sequence',
            'leftImg8bit',
            'rightImg8bit',
            'disparity',
            'camera',
            'gtFine',
        )
    }
    for p in d.values():
        os.makedirs(p, exist_ok=True)
    gt = osp.join(st, 'ground_truth', 'leftImg8bit_sequence', split, city, f'{city}_{seq:06d}')
    _gt_dirs(gt, True)
    rig = _RIGS['cityscapes']
    preview = None
    for k, fr, flow in _frames(spec, scene, T, K):
        stem = f'{city}_{seq:06d}_{k:06d}'
        imwrite(osp.join(d['leftImg8bit_sequence'], stem + '_leftImg8bit.png'), fr['rgb'], rgb=True)
        _write_gt(gt, k, f'{k:06d}.png', fr, flow)
        if k == ann:
            imwrite(osp.join(d['leftImg8bit'], stem + '_leftImg8bit.png'), fr['rgb'], rgb=True)
            imwrite(
                osp.join(d['rightImg8bit'], stem + '_rightImg8bit.png'), fr['rgb_right'], rgb=True
            )
            depth = fr['depth']
            disp = np.where(np.isfinite(depth), K[0, 0] * rig['baseline'] / depth, 0.0)
            png = np.where(disp > 0, np.clip(np.round(disp * 256.0) + 1, 1, 65535), 0)
            imwrite(osp.join(d['disparity'], stem + '_disparity.png'), png.astype(np.uint16))
            cam = dict(
                extrinsic=dict(
                    baseline=rig['baseline'],
                    pitch=0.0,
                    roll=0.0,
                    yaw=0.0,
                    x=1.7,
                    y=0.0,
                    z=rig['height'],
                ),
                intrinsic=dict(fx=K[0, 0], fy=K[1, 1], u0=K[0, 2], v0=K[1, 2]),
            )
            write_text(
                osp.join(d['camera'], stem + '_camera.json'), json.dumps(cam, indent=2) + '\n'
            )
            lab = fr['label']
            inst = np.where(
                np.isin(lab, [LABELS['person'], LABELS['car']]) & (fr['instance'] > 0),
                lab.astype(np.int64) * 1000 + fr['instance'] - 1,
                lab,
            ).astype(np.uint16)
            imwrite(osp.join(d['gtFine'], stem + '_gtFine_instanceIds.png'), inst)
            imwrite(
                osp.join(d['gtFine'], stem + '_gtFine_color.png'), colorize_labels(lab), rgb=True
            )
            imwrite(osp.join(d['gtFine'], stem + '_gtFine_labelIds.png'), lab)
        if k == 0:
            preview = _preview(fr, K, flow=flow)
    files = [
        f'leftImg8bit_sequence/{split}/{city}/{city}_{seq:06d}_{k:06d}_leftImg8bit.png'
        for k in range(M)
    ]
    _write_gt_meta(gt, K, size, rig['baseline'], T, files, dict(annotated_frame=ann))
    return preview


def _unit_nyu(spec):
    scene, T = _room_sequence(spec['seed'], spec['frames'], spec['overlap'])
    K, scene_name, split = spec['K'], spec['name'], spec['split']
    st = spec['stage']
    root = osp.join(st, 'sync', scene_name)
    img_dir, ann_dir = osp.join(st, 'images', split), osp.join(st, 'annotations', split)
    for p in (root, img_dir, ann_dir):
        os.makedirs(p, exist_ok=True)
    gt = osp.join(st, 'ground_truth', 'sync', scene_name)
    _gt_dirs(gt, False)
    preview = None
    for k, fr, flow in _frames(spec, scene, T, K):
        mm = np.where(np.isfinite(fr['depth']), np.round(fr['depth'] * 1000.0), 0).astype(np.uint16)
        imwrite(osp.join(root, f'sync_depth_{k:05d}.png'), mm)
        imwrite(osp.join(root, f'rgb_{k:05d}.jpg'), fr['rgb'], rgb=True)
        imwrite(osp.join(ann_dir, f'{scene_name}_{k:05d}.png'), mm)
        imwrite(osp.join(img_dir, f'{scene_name}_{k:05d}.jpg'), fr['rgb'], rgb=True)
        _write_gt(gt, k, f'{k:05d}.png', fr, flow)
        if k == 0:
            preview = _preview(fr, K, flow=flow)
    files = [f'sync/{scene_name}/rgb_{k:05d}.jpg' for k in range(len(T))]
    _write_gt_meta(gt, K, spec['size'], 0.0, T, files)
    return preview


_UNITS = dict(
    kitti=_unit_kitti, semantics=_unit_semantics, cityscapes=_unit_cityscapes, nyu=_unit_nyu
)


def _run_unit(spec):
    return _UNITS[spec['unit']](spec)


# ----------------------------------------------------------------------------- commit
_COMMIT_ORDER = (
    'ground_truth',
    'velodyne_points',
    'image_03',
    'leftImg8bit_sequence',
    'camera',
    'disparity',
    'rightImg8bit',
    'instance',
    'semantic',
    'semantic_rgb',
    'annotations',
    'gtFine',
    'sync',
    'image_02',
    'images',
    'image_2',
    'leftImg8bit',
)


def _order(name):
    return (_COMMIT_ORDER.index(name) if name in _COMMIT_ORDER else -1, name)


def _merge_tree(src, dst):
    """Move the staged tree ``src`` into ``dst``: a folder that does not exist yet moves
    in one rename (so a sequence folder appears complete or not at all); existing
    folders are merged. Labels and images move last."""
    for name in sorted(os.listdir(src), key=_order):
        s, d = osp.join(src, name), osp.join(dst, name)
        if osp.isdir(s) and osp.isdir(d):
            _merge_tree(s, d)
        else:
            os.replace(s, d)
    os.rmdir(src)


# ----------------------------------------------------------------------------- public API
def _check_int(name, value, lo, hi):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
        raise ValueError(f'{name} must be an integer in [{lo}, {hi}], got {value!r}.')
    return int(value)


DEFAULT_SIZES = dict(kitti=(640, 192), cityscapes=(512, 256), nyu=(320, 240))


def generate_world(
    out_dir: str,
    layout: str = 'kitti',
    sequences: int = 4,
    frames: int = 100,
    size: Optional[Sequence[int]] = None,
    seed: int = 0,
    moving_objects: bool = True,
    overwrite: bool = False,
    semantic_images: int = 200,
    class_overlap: float = 0.3,
    workers: Optional[int] = None,
    contact_sheet: bool = True,
) -> dict:
    """Generate a synthetic world on disk in a real dataset's layout.

    Args:
        out_dir (str): Output root (created; must be empty unless ``overwrite``).
        layout (str): 'kitti', 'cityscapes' or 'nyu'. Defaults to 'kitti'.
        sequences (int): Number of sequences (KITTI drives, Cityscapes snippets, NYU
            scenes). Defaults to 4.
        frames (int): Frames per sequence (>= 2; Cityscapes annotates frame
            ``min(19, frames - 2)``). Defaults to 100.
        size (tuple, optional): (width, height) in pixels, each in [32, 4096]. Defaults
            to 640x192 (KITTI), 512x256 (Cityscapes), 320x240 (NYU).
        seed (int): Seed; the same seed writes byte-identical files. Defaults to 0.
        moving_objects (bool): Add moving cars and pedestrians. Defaults to True.
        overwrite (bool): Replace an existing world in ``out_dir`` (only a folder with
            this generator's ``world.json`` is ever deleted). Defaults to False.
        semantic_images (int): KITTI-semantics images (KITTI layout only). Defaults to 200.
        class_overlap (float): Probability in [0, 1] that an object's colour is drawn
            from a distribution shared by all classes. Defaults to 0.3.
        workers (int, optional): Processes (output does not depend on it). Defaults to
            min(2, CPU count).
        contact_sheet (bool): Write ``contact_sheet.png``. Defaults to True.

    Returns:
        dict: The metadata written to ``<out_dir>/world.json``.

    Raises:
        ValueError: On an invalid argument or a non-empty ``out_dir`` without overwrite.
    """
    if layout not in LAYOUTS:
        raise ValueError(f'layout must be one of {LAYOUTS}, got {layout!r}.')
    size = DEFAULT_SIZES[layout] if size is None else tuple(size)
    if len(size) != 2:
        raise ValueError(f'size must be (width, height), got {size!r}.')
    size = (
        _check_int('size width', size[0], 32, 4096),
        _check_int('size height', size[1], 32, 4096),
    )
    sequences = _check_int('sequences', sequences, 1, 10000)
    frames = _check_int('frames', frames, 2, 100000)
    seed = _check_int('seed', seed, 0, 2**32 - 1)
    semantic_images = _check_int('semantic_images', semantic_images, 0, 100000)
    if layout != 'kitti':
        semantic_images = 0
    if not 0.0 <= float(class_overlap) <= 1.0:
        raise ValueError(f'class_overlap must be in [0, 1], got {class_overlap!r}.')
    workers = (
        min(2, os.cpu_count() or 1) if workers is None else _check_int('workers', workers, 1, 256)
    )
    out_dir = osp.abspath(out_dir)
    if osp.exists(out_dir) and not osp.isdir(out_dir):
        raise ValueError(f'Output path {out_dir} exists and is not a folder.')
    if osp.isdir(out_dir) and os.listdir(out_dir):
        if not overwrite:
            raise ValueError(
                f'Output folder {out_dir} exists and is not empty: pass '
                'overwrite=True (--overwrite) to replace it, or choose another one.'
            )
        if not osp.isfile(osp.join(out_dir, MARKER)):
            raise ValueError(
                f'Refusing to overwrite {out_dir}: it has no {MARKER}, so it was not '
                'written by this generator. Remove it yourself or choose another one.'
            )
        shutil.rmtree(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    meta = dict(
        generator='mmdepthpretrain.datasets.synthetic',
        layout=layout,
        sequences=sequences,
        frames=frames,
        size=list(size),
        seed=seed,
        moving_objects=bool(moving_objects),
        semantic_images=semantic_images,
        class_overlap=float(class_overlap),
        complete=False,
    )
    write_text(osp.join(out_dir, MARKER), json.dumps(meta, indent=1) + '\n')
    stage_root = osp.join(out_dir, '.partial')
    shutil.rmtree(stage_root, ignore_errors=True)
    specs = _make_specs(
        layout,
        sequences,
        frames,
        size,
        seed,
        moving_objects,
        float(class_overlap),
        semantic_images,
        out_dir,
        stage_root,
    )
    previews = []
    if workers > 1 and len(specs) > 1:
        with mp.get_context('fork').Pool(workers) as pool:
            for spec, prev in zip(specs, pool.imap(_run_unit, specs)):
                _merge_tree(spec['stage'], out_dir)
                previews.append(prev)
    else:
        for spec in specs:
            previews.append(_run_unit(spec))
            _merge_tree(spec['stage'], out_dir)
    shutil.rmtree(stage_root, ignore_errors=True)
    if layout == 'nyu':
        _write_nyu_splits(out_dir, specs)
    if contact_sheet:
        rows = [p for p in previews if p is not None][:3]
        imwrite(osp.join(out_dir, 'contact_sheet.png'), np.concatenate(rows, 0), rgb=True)
    meta['complete'] = True
    meta['units'] = [s.get('name', s['unit']) for s in specs]
    write_text(osp.join(out_dir, MARKER), json.dumps(meta, indent=1) + '\n')
    return meta


def _make_specs(layout, sequences, frames, size, seed, moving, overlap, n_sem, out_dir, stage_root):
    code = _LAYOUT_CODE[layout]
    seeds = [int(np.random.default_rng([seed, code, i]).integers(2**62)) for i in range(sequences)]
    base = dict(layout=layout, frames=frames, size=size, moving=moving, overlap=overlap)
    n_val = 0 if sequences < 2 else max(1, int(round(sequences * 0.2)))
    specs = []
    if layout == 'kitti':
        texts, geom = kitti_calibration(scaled_K('kitti', size), size, _RIGS['kitti']['baseline'])
        os.makedirs(osp.join(out_dir, KITTI_DATE), exist_ok=True)
        for name, text in texts.items():
            write_text(osp.join(out_dir, KITTI_DATE, name), text)
        for i in range(sequences):
            name = f'{KITTI_DATE}_drive_{i + 1:04d}_sync'
            specs.append(
                dict(
                    base,
                    unit='kitti',
                    index=i,
                    seed=seeds[i],
                    name=name,
                    geom=geom,
                    stage=osp.join(stage_root, name),
                )
            )
        sem_seeds = [
            int(np.random.default_rng([seed, _LAYOUT_CODE['semantics'], i]).integers(2**62))
            for i in range(n_sem)
        ]
        chunk = 25
        for c0 in range(0, n_sem, chunk):
            ids = list(range(c0, min(n_sem, c0 + chunk)))
            specs.append(
                dict(
                    base,
                    unit='semantics',
                    name=f'semantics_{c0:06d}',
                    ids=ids,
                    seeds=[sem_seeds[i] for i in ids],
                    geom=geom,
                    stage=osp.join(stage_root, f'semantics_{c0:06d}'),
                )
            )
    elif layout == 'cityscapes':
        K = scaled_K('cityscapes', size)
        counts = {}
        for i in range(sequences):
            split = 'val' if i >= sequences - n_val else 'train'
            city = 'synthstadt' if split == 'val' else 'synthtown'
            seq = counts[city] = counts.get(city, -1) + 1
            name = f'{city}_{seq:06d}'
            specs.append(
                dict(
                    base,
                    unit='cityscapes',
                    index=i,
                    seed=seeds[i],
                    K=K,
                    split=split,
                    city=city,
                    seq=seq,
                    name=name,
                    stage=osp.join(stage_root, name),
                )
            )
    else:
        K = scaled_K('nyu', size)
        for i in range(sequences):
            split = 'test' if i >= sequences - n_val else 'train'
            name = f'synthroom_{i:04d}'
            specs.append(
                dict(
                    base,
                    unit='nyu',
                    index=i,
                    seed=seeds[i],
                    K=K,
                    split=split,
                    name=name,
                    stage=osp.join(stage_root, name),
                )
            )
    return specs


def _write_nyu_splits(out_dir, specs):
    for split, fname in (
        ('train', 'nyudepthv2_train_files_with_gt.txt'),
        ('test', 'nyudepthv2_test_files_with_gt.txt'),
    ):
        lines = [
            f'/{s["name"]}/rgb_{k:05d}.jpg /{s["name"]}/sync_depth_{k:05d}.png {s["K"][0, 0]:.4f}'
            for s in specs
            if s['split'] == split
            for k in range(s['frames'])
        ]
        write_text(osp.join(out_dir, fname), '\n'.join(lines) + ('\n' if lines else ''))
