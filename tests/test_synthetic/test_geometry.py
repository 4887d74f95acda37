"""Geometric self-consistency of the synthetic world (independent NumPy warps)."""

import glob
import json
import os.path as osp

import cv2
import numpy as np

from mmdepthpretrain.datasets.kitti_utils import read_calib_file

DATE = '2011_01_01'


def _rgb(path):
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    assert img is not None, path
    return img[..., ::-1].astype(np.float32) / 255.0


def _depth(path):
    png = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    assert png.dtype == np.uint16, path
    return png.astype(np.float64) / 256.0


def _bilinear(img, u, v):
    """Sample img (H, W[, C]) at float pixel-centre coordinates (u, v)."""
    H, W = img.shape[:2]
    u0 = np.clip(np.floor(u).astype(int), 0, W - 2)
    v0 = np.clip(np.floor(v).astype(int), 0, H - 2)
    a, b = u - u0, v - v0
    if img.ndim == 3:
        a, b = a[..., None], b[..., None]
    return (
        (1 - a) * (1 - b) * img[v0, u0]
        + a * (1 - b) * img[v0, u0 + 1]
        + (1 - a) * b * img[v0 + 1, u0]
        + a * b * img[v0 + 1, u0 + 1]
    )


def _poses(path):
    rows = np.loadtxt(path).reshape(-1, 3, 4)
    T = np.tile(np.eye(4), (len(rows), 1, 1))
    T[:, :3] = rows
    return T


def _warp(depth, K, T_src_tgt, src, src_depth):
    """Reconstruct the target from ``src``; returns (image, mask of visible pixels)."""
    H, W = depth.shape
    u, v = np.meshgrid(np.arange(W, dtype=np.float64), np.arange(H, dtype=np.float64))
    P = np.stack([u, v, np.ones_like(u)], -1) @ np.linalg.inv(K).T * depth[..., None]
    Ps = P @ T_src_tgt[:3, :3].T + T_src_tgt[:3, 3]
    z = np.maximum(Ps[..., 2], 1e-6)
    us, vs = K[0, 0] * Ps[..., 0] / z + K[0, 2], K[1, 1] * Ps[..., 1] / z + K[1, 2]
    inside = (
        (depth > 0) & (Ps[..., 2] > 0.1) & (us >= 0) & (us <= W - 1) & (vs >= 0) & (vs <= H - 1)
    )
    inv_src = np.where(src_depth > 0, 1.0 / np.maximum(src_depth, 1e-6), 0.0)
    visible = inside & (np.abs(_bilinear(inv_src, us, vs) * z - 1.0) < 0.02)
    return _bilinear(src, us, vs), visible & _planar(depth)


def _planar(depth, tol=0.02):
    """Pixels inside a smooth surface: inverse depth is affine in pixels on a plane, so
    silhouettes and creases (mixed pixels that no warp can reproduce) fail this test."""
    p = np.pad(np.where(depth > 0, 1.0 / np.maximum(depth, 1e-6), 0.0), 1, mode='edge')
    c = p[1:-1, 1:-1]
    dx = np.abs(p[1:-1, :-2] + p[1:-1, 2:] - 2 * c)
    dy = np.abs(p[:-2, 1:-1] + p[2:, 1:-1] - 2 * c)
    return (c > 0) & (np.maximum(dx, dy) <= tol * c)


def _kitti_seq(root):
    drive = sorted(glob.glob(osp.join(root, DATE, f'{DATE}_drive_*_sync')))[0]
    gt = osp.join(root, 'ground_truth', DATE, osp.basename(drive))
    return drive, gt


def test_temporal_warp_reproduces_frame(synthetic_kitti):
    drive, gt = _kitti_seq(synthetic_kitti)
    cc = read_calib_file(osp.join(synthetic_kitti, DATE, 'calib_cam_to_cam.txt'))
    P2 = cc['P_rect_02'].reshape(3, 4)
    K = P2[:, :3]
    cam = json.load(open(osp.join(gt, 'camera.json')))
    np.testing.assert_allclose(np.array(cam['K']), K, rtol=1e-6)
    T = _poses(osp.join(gt, 'poses.txt'))
    assert len(T) == 6 and np.allclose(T[:, 3], [0, 0, 0, 1])
    moved = np.linalg.norm(T[3, :3, 3] - T[2, :3, 3])
    assert 0.6 < moved < 1.5  # about 1 m per frame
    for t in (1, 3):
        tgt = _rgb(osp.join(drive, 'image_02/data', f'{t:010d}.png'))
        src = _rgb(osp.join(drive, 'image_02/data', f'{t + 1:010d}.png'))
        depth = _depth(osp.join(gt, 'depth', f'{t:010d}.png'))
        src_depth = _depth(osp.join(gt, 'depth', f'{t + 1:010d}.png'))
        warped, vis = _warp(depth, K, np.linalg.inv(T[t + 1]) @ T[t], src, src_depth)
        assert vis.mean() > 0.4
        err = np.abs(warped - tgt).mean(-1)[vis].mean()
        ident = np.abs(src - tgt).mean(-1)[vis].mean()
        assert err < ident / 5, (err, ident)


def test_gt_flow_reproduces_frame_with_moving_objects(synthetic_kitti):
    from mmdepthpretrain.datasets.synthetic import load_flow

    drive, gt = _kitti_seq(synthetic_kitti)
    t = 2
    tgt = _rgb(osp.join(drive, 'image_02/data', f'{t:010d}.png'))
    src = _rgb(osp.join(drive, 'image_02/data', f'{t + 1:010d}.png'))
    flow, valid = load_flow(osp.join(gt, 'flow', f'{t:010d}.png'))
    assert not osp.exists(osp.join(gt, 'flow', f'{5:010d}.png'))  # no flow after the last frame
    H, W = tgt.shape[:2]
    u, v = np.meshgrid(np.arange(W), np.arange(H))
    us, vs = u + flow[..., 0], v + flow[..., 1]
    inside = valid & (us >= 0) & (us <= W - 1) & (vs >= 0) & (vs <= H - 1)
    warped = _bilinear(src, us, vs)
    err = np.abs(warped - tgt).mean(-1)
    ident = np.abs(src - tgt).mean(-1)
    # occlusions are included in the flow, so compare robust statistics
    assert np.median(err[inside]) < np.median(ident[inside]) / 5
    assert err[inside].mean() < ident[inside].mean() / 2


def test_stereo_warp_reproduces_left(synthetic_kitti):
    drive, gt = _kitti_seq(synthetic_kitti)
    calib = read_calib_file(osp.join(synthetic_kitti, DATE, 'calib_cam_to_cam.txt'))
    P2, P3 = calib['P_rect_02'].reshape(3, 4), calib['P_rect_03'].reshape(3, 4)
    K = P2[:, :3]
    baseline = (P2[0, 3] - P3[0, 3]) / K[0, 0]
    assert abs(baseline - 0.54) < 1e-6
    T_right_left = np.eye(4)
    T_right_left[0, 3] = -baseline  # stereo_T for a left target
    for t in (0, 4):
        left = _rgb(osp.join(drive, 'image_02/data', f'{t:010d}.png'))
        right = _rgb(osp.join(drive, 'image_03/data', f'{t:010d}.png'))
        depth = _depth(osp.join(gt, 'depth', f'{t:010d}.png'))
        rdepth = _depth(osp.join(gt, 'depth_right', f'{t:010d}.png'))
        warped, vis = _warp(depth, K, T_right_left, right, rdepth)
        assert vis.mean() > 0.5
        err = np.abs(warped - left).mean(-1)[vis].mean()
        ident = np.abs(right - left).mean(-1)[vis].mean()
        assert err < ident / 5, (err, ident)


def test_lidar_lands_on_dense_depth(synthetic_kitti):
    drive, gt = _kitti_seq(synthetic_kitti)
    cc = read_calib_file(osp.join(synthetic_kitti, DATE, 'calib_cam_to_cam.txt'))
    vc = read_calib_file(osp.join(synthetic_kitti, DATE, 'calib_velo_to_cam.txt'))
    T = np.eye(4)
    T[:3, :3], T[:3, 3] = vc['R'].reshape(3, 3), vc['T']
    R_rect = np.eye(4)
    R_rect[:3, :3] = cc['R_rect_00'].reshape(3, 3)
    P = cc['P_rect_02'].reshape(3, 4) @ R_rect @ T
    for t in (0, 5):
        pts = np.fromfile(osp.join(drive, 'velodyne_points/data', f'{t:010d}.bin'), np.float32)
        pts = pts.reshape(-1, 4).astype(np.float64)
        assert len(pts) > 20000 and (pts[:, 3] >= 0).all() and (pts[:, 3] <= 1).all()
        # velodyne frame: x forward, z up; the ground is about 1.73 m below the sensor
        ground = pts[(np.abs(pts[:, 1]) < 2) & (pts[:, 0] > 5) & (pts[:, 0] < 15)]
        assert abs(np.median(ground[:, 2]) + 1.73) < 0.1
        depth = _depth(osp.join(gt, 'depth', f'{t:010d}.png'))
        H, W = depth.shape
        pts = pts[pts[:, 0] > 0]
        proj = np.c_[pts[:, :3], np.ones(len(pts))] @ P.T
        z = proj[:, 2]
        u, v = proj[:, 0] / z, proj[:, 1] / z
        inside = (u >= 0) & (u <= W - 1) & (v >= 0) & (v <= H - 1)
        u, v, z = u[inside], v[inside], z[inside]
        assert len(z) > 1000
        u0, v0 = (
            np.clip(np.floor(u).astype(int), 0, W - 2),
            np.clip(np.floor(v).astype(int), 0, H - 2),
        )
        nb = np.stack([depth[v0, u0], depth[v0, u0 + 1], depth[v0 + 1, u0], depth[v0 + 1, u0 + 1]])
        smooth = (nb.min(0) > 0) & (nb.max(0) < nb.min(0) * 1.05)
        inv = _bilinear(np.where(depth > 0, 1 / np.maximum(depth, 1e-6), 0), u, v)
        rel = np.abs(1.0 / inv[smooth] - z[smooth]) / z[smooth]
        assert smooth.sum() > 500
        assert np.median(rel) < 0.002
        assert (rel < 0.01).mean() > 0.95


def test_sky_is_infinite_depth(synthetic_kitti):
    drive, gt = _kitti_seq(synthetic_kitti)
    for t in range(6):
        depth = cv2.imread(osp.join(gt, 'depth', f'{t:010d}.png'), cv2.IMREAD_UNCHANGED)
        label = cv2.imread(osp.join(gt, 'semantic', f'{t:010d}.png'), cv2.IMREAD_UNCHANGED)
        sky = label == 23
        assert sky.any() and (~sky).any()
        np.testing.assert_array_equal(depth == 0, sky)
        # sky lies above the horizon: none in the bottom quarter
        assert not sky[-label.shape[0] // 4 :].any()
    sem = osp.join(synthetic_kitti, 'data_semantics/training')
    for path in sorted(glob.glob(osp.join(sem, 'semantic', '*_10.png'))):
        label = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        depth = cv2.imread(
            osp.join(
                synthetic_kitti, 'ground_truth/data_semantics/training/depth', osp.basename(path)
            ),
            cv2.IMREAD_UNCHANGED,
        )
        np.testing.assert_array_equal(depth == 0, label == 23)


def test_cityscapes_disparity_matches_depth(synthetic_cityscapes):
    root = synthetic_cityscapes
    disp_files = sorted(glob.glob(osp.join(root, 'disparity/*/*/*_disparity.png')))
    assert len(disp_files) == 2
    for path in disp_files:
        stem = osp.basename(path)[: -len('_disparity.png')]
        split, city = path.split(osp.sep)[-3:-1]
        city_, seq, frame = stem.split('_')
        assert city_ == city and int(frame) == 2  # min(19, frames - 2)
        cam = json.load(open(osp.join(root, 'camera', split, city, stem + '_camera.json')))
        png = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        assert png.dtype == np.uint16
        gt = osp.join(root, 'ground_truth/leftImg8bit_sequence', split, city, f'{city}_{seq}')
        depth = _depth(osp.join(gt, 'depth', f'{frame}.png'))
        valid = png > 0
        np.testing.assert_array_equal(valid, depth > 0)
        d = (png[valid].astype(np.float64) - 1) / 256.0
        from_disp = cam['intrinsic']['fx'] * cam['extrinsic']['baseline'] / d
        rel = np.abs(from_disp - depth[valid]) / depth[valid]
        assert np.median(rel) < 0.01
        labels = cv2.imread(
            osp.join(root, 'gtFine', split, city, stem + '_gtFine_labelIds.png'),
            cv2.IMREAD_UNCHANGED,
        )
        np.testing.assert_array_equal(labels == 23, ~valid)


def test_nyu_depth_matches_gt(synthetic_nyu):
    root = synthetic_nyu
    lines = open(osp.join(root, 'nyudepthv2_train_files_with_gt.txt')).read().split('\n')
    rgb, dep, focal = lines[0].split()
    assert float(focal) > 0
    mm = cv2.imread(osp.join(root, 'sync') + dep, cv2.IMREAD_UNCHANGED)
    img = cv2.imread(osp.join(root, 'sync') + rgb)
    assert img.shape[:2] == mm.shape == (96, 128) and mm.dtype == np.uint16
    scene = dep.split('/')[1]
    gt = _depth(osp.join(root, 'ground_truth/sync', scene, 'depth', '00000.png'))
    assert (mm > 0).all() and mm.max() <= 10000  # a closed room, capped at 10 m
    np.testing.assert_allclose(mm / 1000.0, gt, atol=0.004)
