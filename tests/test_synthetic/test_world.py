"""Layouts, determinism, bad input and tools of the synthetic world."""

import glob
import hashlib
import json
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest

from mmdepthpretrain.datasets.synthetic import (
    CITYSCAPES_PALETTE,
    LABELS,
    NYU_LABELS,
    generate_world,
    load_flow,
    load_gt_camera,
    load_gt_depth,
    load_poses,
    read_kitti_calib,
)

DATE = '2011_01_01'


def _palette_colours(labels):
    """RGB of Cityscapes label ids (black for ids without a colour)."""
    lut = np.zeros((256, 3), np.uint8)
    for k, c in CITYSCAPES_PALETTE.items():
        lut[k] = c
    return lut[labels]


REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _digest(root):
    out = {}
    for dirpath, _, files in os.walk(root):
        for f in files:
            path = osp.join(dirpath, f)
            out[osp.relpath(path, root)] = hashlib.sha256(open(path, 'rb').read()).hexdigest()
    return out


def test_kitti_raw_layout(synthetic_kitti):
    root = synthetic_kitti
    drives = sorted(glob.glob(osp.join(root, DATE, f'{DATE}_drive_*_sync')))
    assert [osp.basename(d) for d in drives] == [
        f'{DATE}_drive_0001_sync',
        f'{DATE}_drive_0002_sync',
    ]
    cc = read_kitti_calib(osp.join(root, DATE, 'calib_cam_to_cam.txt'))
    for k in range(4):
        for key, n in (
            ('S', 2),
            ('K', 9),
            ('D', 5),
            ('R', 9),
            ('T', 3),
            ('S_rect', 2),
            ('R_rect', 9),
            ('P_rect', 12),
        ):
            assert cc[f'{key}_0{k}'].size == n
    text = open(osp.join(root, DATE, 'calib_cam_to_cam.txt')).read()
    assert text.startswith('calib_time: ') and '\ncorner_dist: ' in text
    np.testing.assert_allclose(cc['S_rect_02'], [320, 96])
    vc = read_kitti_calib(osp.join(root, DATE, 'calib_velo_to_cam.txt'))
    assert set(vc) == {'R', 'T', 'delta_f', 'delta_c'}
    R = vc['R'].reshape(3, 3)
    np.testing.assert_allclose(R @ R.T, np.eye(3), atol=1e-8)
    # velodyne x forward -> camera z, y left -> camera -x, z up -> camera -y
    assert R[2, 0] > 0.99 and R[0, 1] < -0.99 and R[1, 2] < -0.99
    assert set(read_kitti_calib(osp.join(root, DATE, 'calib_imu_to_velo.txt'))) == {'R', 'T'}
    for d in drives:
        for sub in ('image_02', 'image_03'):
            imgs = sorted(glob.glob(osp.join(d, sub, 'data', '*.png')))
            assert [osp.basename(p) for p in imgs] == [f'{k:010d}.png' for k in range(6)]
            img = cv2.imread(imgs[0], cv2.IMREAD_UNCHANGED)
            assert img.shape == (96, 320, 3) and img.dtype == np.uint8
        stamps = open(osp.join(d, 'image_02', 'timestamps.txt')).read().splitlines()
        assert len(stamps) == 6 and stamps[0].startswith('2011-01-01 ') and len(stamps[0]) == 29
        assert len(open(osp.join(d, 'velodyne_points', 'timestamps.txt')).readlines()) == 6
        assert len(glob.glob(osp.join(d, 'velodyne_points/data/*.bin'))) == 6
    # ground truth helpers
    gt = osp.join(root, 'ground_truth', DATE, osp.basename(drives[0]))
    cam = load_gt_camera(gt)
    np.testing.assert_allclose(cam['K'], cc['P_rect_02'].reshape(3, 4)[:, :3])
    assert cam['image_files'][0] == f'{DATE}/{DATE}_drive_0001_sync/image_02/data/0000000000.png'
    T = load_poses(osp.join(gt, 'poses.txt'))
    assert T.shape == (6, 4, 4)
    # the camera moves forward (+z of the camera) about 1 m per frame
    step = np.linalg.inv(T[0]) @ T[1]
    assert 0.6 < step[2, 3] < 1.5 and abs(step[0, 3]) < 0.2
    depth = load_gt_depth(osp.join(gt, 'depth', '0000000000.png'))
    assert depth.shape == (96, 320) and depth.max() < 200.5 and depth[-1].min() > 0
    flow, valid = load_flow(osp.join(gt, 'flow', '0000000000.png'))
    assert flow.shape == (96, 320, 2) and valid.mean() > 0.9
    # a street drive gives street classes only, in every frame
    for path in sorted(glob.glob(osp.join(gt, 'semantic', '*.png'))):
        lab = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        assert set(np.unique(lab)) <= set(LABELS.values())
        assert {LABELS['road'], LABELS['sky']} <= set(np.unique(lab).tolist())
    # forward motion: the bottom row of the road flows downwards
    assert np.median(flow[-1, :, 1]) > 0


def test_kitti_semantics_layout(synthetic_kitti):
    sem = osp.join(synthetic_kitti, 'data_semantics', 'training')
    names = [f'{i:06d}_10.png' for i in range(8)]
    for sub in ('image_2', 'semantic', 'instance', 'semantic_rgb'):
        assert sorted(os.listdir(osp.join(sem, sub))) == names
    seen = set()
    for name in names:
        lab = cv2.imread(osp.join(sem, 'semantic', name), cv2.IMREAD_UNCHANGED)
        inst = cv2.imread(osp.join(sem, 'instance', name), cv2.IMREAD_UNCHANGED)
        assert lab.dtype == np.uint8 and inst.dtype == np.uint16
        np.testing.assert_array_equal(inst // 256, lab)
        assert set(np.unique(lab)) <= set(LABELS.values())
        cars = lab == LABELS['car']
        assert (inst[cars] % 256 > 0).all() and (inst[lab == LABELS['road']] % 256 == 0).all()
        rgb = cv2.imread(osp.join(sem, 'semantic_rgb', name))[..., ::-1]
        np.testing.assert_array_equal(rgb, _palette_colours(lab))
        seen |= set(np.unique(lab).tolist())
    for name in ('road', 'sidewalk', 'building', 'vegetation', 'sky', 'car'):
        assert LABELS[name] in seen, name
    first = cv2.imread(osp.join(sem, 'image_2', names[0]))
    assert not np.array_equal(first, cv2.imread(osp.join(sem, 'image_2', names[1])))


def test_cityscapes_layout(synthetic_cityscapes):
    root = synthetic_cityscapes
    seq = sorted(glob.glob(osp.join(root, 'leftImg8bit_sequence/*/*/*_leftImg8bit.png')))
    assert len(seq) == 8
    assert [osp.relpath(p, root) for p in seq[::4]] == [
        'leftImg8bit_sequence/train/synthtown/synthtown_000000_000000_leftImg8bit.png',
        'leftImg8bit_sequence/val/synthstadt/synthstadt_000000_000000_leftImg8bit.png',
    ]
    assert osp.exists(
        osp.join(root, 'leftImg8bit/train/synthtown/synthtown_000000_000002_leftImg8bit.png')
    )
    cam = json.load(
        open(osp.join(root, 'camera/train/synthtown/synthtown_000000_000002_camera.json'))
    )
    assert set(cam['extrinsic']) == {'baseline', 'pitch', 'roll', 'yaw', 'x', 'y', 'z'}
    assert set(cam['intrinsic']) == {'fx', 'fy', 'u0', 'v0'}
    stem = osp.join(root, 'gtFine/val/synthstadt/synthstadt_000000_000002_gtFine_')
    lab = cv2.imread(stem + 'labelIds.png', cv2.IMREAD_UNCHANGED)
    inst = cv2.imread(stem + 'instanceIds.png', cv2.IMREAD_UNCHANGED)
    assert lab.shape == (96, 192) and lab.dtype == np.uint8 and inst.dtype == np.uint16
    cars = lab == LABELS['car']
    assert cars.any()
    assert (inst[cars] // 1000 == LABELS['car']).all()
    np.testing.assert_array_equal(inst[~cars & (lab != LABELS['person'])], lab[~cars & (lab != 24)])
    assert set(np.unique(lab)) <= set(LABELS.values())
    color = cv2.imread(stem + 'color.png')[..., ::-1]
    np.testing.assert_array_equal(color, _palette_colours(lab))


def test_nyu_rooms_give_room_classes(synthetic_nyu):
    paths = sorted(glob.glob(osp.join(synthetic_nyu, 'ground_truth/sync/*/semantic/*.png')))
    assert len(paths) == 8  # 2 rooms x 4 frames
    for path in paths:
        lab = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        assert lab.shape == (96, 128) and lab.dtype == np.uint8
        seen = set(np.unique(lab).tolist())
        assert seen <= set(NYU_LABELS.values())  # 0 never occurs in a closed room
        assert {NYU_LABELS['wall'], NYU_LABELS['floor']} <= seen
        inst = cv2.imread(path.replace('/semantic/', '/instance/'), cv2.IMREAD_UNCHANGED)
        np.testing.assert_array_equal(inst // 256, lab)


def test_contact_sheet(synthetic_kitti, synthetic_nyu):
    # one row (RGB | depth | labels | lidar or flow) for each of the first three units
    for root, shape in (
        (synthetic_kitti, (3 * 96, 4 * 320, 3)),
        (synthetic_nyu, (2 * 96, 4 * 128, 3)),
    ):
        sheet = cv2.imread(osp.join(root, 'contact_sheet.png'))
        assert sheet is not None and sheet.shape == shape and sheet.std() > 10
        meta = json.load(open(osp.join(root, 'world.json')))
        assert meta['complete'] and not osp.exists(osp.join(root, '.partial'))


def test_same_seed_same_bytes(tmp_path):
    kw = dict(layout='kitti', sequences=2, frames=2, size=(64, 32), semantic_images=2, seed=5)
    generate_world(str(tmp_path / 'a'), workers=1, **kw)
    generate_world(str(tmp_path / 'b'), workers=2, **kw)  # worker count does not matter
    a, b = _digest(tmp_path / 'a'), _digest(tmp_path / 'b')
    assert len(a) > 30 and a == b
    generate_world(str(tmp_path / 'c'), workers=1, **dict(kw, seed=6))
    c = _digest(tmp_path / 'c')
    assert a.keys() == c.keys()
    img = f'{DATE}/{DATE}_drive_0001_sync/image_02/data/0000000000.png'
    assert a[img] != c[img]


def test_overwrite_and_static(tmp_path):
    out = str(tmp_path / 'w')
    generate_world(out, 'nyu', sequences=1, frames=2, size=(48, 32))
    with pytest.raises(ValueError, match='overwrite'):
        generate_world(out, 'nyu', sequences=1, frames=2, size=(48, 32))
    generate_world(
        out,
        'kitti',
        sequences=1,
        frames=3,
        size=(64, 32),
        semantic_images=0,
        overwrite=True,
        moving_objects=False,
    )
    assert not osp.exists(osp.join(out, 'sync'))
    # static world: the flow of every pixel follows from depth and camera motion alone
    gt = osp.join(out, 'ground_truth', DATE, f'{DATE}_drive_0001_sync')
    assert json.load(open(osp.join(out, 'world.json')))['moving_objects'] is False
    assert load_poses(osp.join(gt, 'poses.txt')).shape == (3, 4, 4)


@pytest.mark.parametrize(
    'kwargs, match',
    [
        (dict(size=(16, 48)), 'size width'),
        (dict(size=(64, 100000)), 'size height'),
        (dict(size=(64,)), 'size'),
        (dict(frames=1), 'frames'),
        (dict(sequences=0), 'sequences'),
        (dict(sequences=2.5), 'sequences'),
        (dict(layout='kitty'), 'layout'),
        (dict(class_overlap=1.5), 'class_overlap'),
        (dict(seed=-1), 'seed'),
    ],
)
def test_bad_arguments(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        generate_world(str(tmp_path / 'w'), **kwargs)
    assert not osp.exists(tmp_path / 'w')


def test_refuses_to_overwrite_foreign_folder(tmp_path):
    (tmp_path / 'mine.txt').write_text('keep me')
    with pytest.raises(ValueError, match='not written by this generator'):
        generate_world(str(tmp_path), overwrite=True)
    assert (tmp_path / 'mine.txt').read_text() == 'keep me'


def _load_tool():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        'make_synthetic_world', osp.join(REPO, 'tools', 'misc', 'make_synthetic_world.py')
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_cli(tmp_path, capsys):
    out = str(tmp_path / 'cli')
    args = [
        '--out',
        out,
        '--layout',
        'cityscapes',
        '--sequences',
        '1',
        '--frames',
        '3',
        '--size',
        '64x32',
        '--seed',
        '1',
        '--workers',
        '1',
    ]
    res = subprocess.run(
        [sys.executable, 'tools/misc/make_synthetic_world.py'] + args,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert res.returncode == 0, res.stderr
    assert osp.exists(osp.join(out, 'contact_sheet.png'))
    assert osp.exists(
        osp.join(out, 'gtFine/train/synthtown/synthtown_000000_000001_gtFine_labelIds.png')
    )
    tool = _load_tool()
    for extra, message in (
        ([], 'overwrite'),
        (['--size', '640x8'], 'size height'),
        (['--size', '64by32'], 'WIDTHxHEIGHT'),
    ):
        with pytest.raises(SystemExit) as exc:
            tool.main(args + extra)
        assert exc.value.code == 2
        assert message in capsys.readouterr().err.strip().splitlines()[-1]
