"""KITTI raw: calibration, lidar projection, index building, bad input."""

import logging
import os
import os.path as osp
import runpy

import numpy as np
import pytest
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope

from mmdepthpretrain.datasets import (
    KittiRawDepthDataset,
    MissingDataError,
    load_kitti_calib,
    load_velodyne_points,
    make_kitti_split,
    parse_split_file,
    project_points_to_depth,
)
from mmdepthpretrain.datasets.transforms import (
    LoadDepthFromLidar,
    LoadMultiFrameImages,
    PackMultiFrameInputs,
)

from . import kitti_tiny as kt

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    init_default_scope('mmseg')
    root = str(tmp_path_factory.mktemp('kitti_tiny'))
    gt = kt.make_kitti_tiny(root)
    return root, gt


def write_split(path, lines):
    with open(path, 'w') as f:
        f.write(''.join(line + '\n' for line in lines))
    return str(path)


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_calib_parsing(tiny):
    root, _ = tiny
    calib = load_kitti_calib(osp.join(root, kt.DATE))
    K = calib.K(2)
    assert K.shape == (4, 4) and K.dtype == np.float32
    np.testing.assert_allclose(K[:3, :3], kt.K3, rtol=1e-6)
    assert calib.baseline == pytest.approx(kt.BASELINE, rel=1e-9)
    assert calib.stereo_T('l')[0, 3] == pytest.approx(-kt.BASELINE)
    assert calib.stereo_T('r')[0, 3] == pytest.approx(kt.BASELINE)
    np.testing.assert_allclose(calib.T_cam_velo(2), kt.T_cam2_velo(), atol=1e-9)
    assert calib.image_size[2] == (kt.W, kt.H)


def test_lidar_projection_equals_gt_depth(tiny):
    root, gt = tiny
    calib = load_kitti_calib(osp.join(root, kt.DATE))
    pts = load_velodyne_points(
        osp.join(root, kt.FOLDER, 'velodyne_points', 'data', '0000000002.bin')
    )
    depth = project_points_to_depth(pts, calib.T_cam_velo(2), calib.K(2), (kt.H, kt.W))
    v, u, z = gt['lidar'][2]
    # every hit pixel carries the GT depth (the nearer of two points on pixel 0)
    np.testing.assert_allclose(depth[v, u], z, rtol=1e-5)
    np.testing.assert_allclose(depth[v, u], gt['depth'][(2, 2)][v, u], rtol=1e-5)
    # points behind the scanner, outside the image, or occluded add nothing
    assert np.count_nonzero(depth) == len(z)


def test_lidar_transform_at_original_and_current_size(tiny):
    root, gt = tiny
    ds = KittiRawDepthDataset(
        ann_file=write_split(osp.join(root, 'one.txt'), [f'{kt.FOLDER} 2 l']),
        data_root=root,
        frame_ids=[0],
        with_depth=True,
    )
    info = ds.get_data_info(0)
    res = LoadDepthFromLidar()(LoadMultiFrameImages()(info))
    v, u, z = gt['lidar'][2]
    np.testing.assert_allclose(res['gt_depth_map'][v, u], z, rtol=1e-5)
    # after a 2x reduced decode, 'original' still projects at the file size
    info = ds.get_data_info(0)
    res = LoadMultiFrameImages(decode_size=(100, 30))(info)
    assert res['decode_reduction'] == 2 and res['img_shape'] == (kt.H // 2, kt.W // 2)
    orig = LoadDepthFromLidar(at='original')(dict(res))['gt_depth_map']
    assert orig.shape == (kt.H, kt.W)
    np.testing.assert_allclose(orig[v, u], z, rtol=1e-5)
    cur = LoadDepthFromLidar(at='current')(dict(res))['gt_depth_map']
    assert cur.shape == (kt.H // 2, kt.W // 2)
    assert np.count_nonzero(cur) > 0.8 * np.count_nonzero(orig)


def test_split_file_index_and_sample_fields(tiny):
    root, _ = tiny
    split = write_split(osp.join(root, 'split.txt'), [f'{kt.FOLDER} 2 l', f'{kt.FOLDER} 3 r'])
    ds = KittiRawDepthDataset(
        ann_file='split.txt', data_root=root, frame_ids=[0, -1, 1, 's'], with_depth=True
    )
    assert len(ds) == 2 and ds.num_dropped == 0
    left, right = ds.get_data_info(0), ds.get_data_info(1)
    assert left['frame_paths'][1].endswith('image_02/data/0000000001.png')
    assert left['frame_paths'][3].endswith('image_03/data/0000000002.png')
    assert right['frame_paths'][0].endswith('image_03/data/0000000003.png')
    assert right['frame_paths'][3].endswith('image_02/data/0000000003.png')
    assert left['stereo_T'][0, 3] == pytest.approx(-kt.BASELINE, rel=1e-6)
    assert right['stereo_T'][0, 3] == pytest.approx(kt.BASELINE, rel=1e-6)
    assert parse_split_file(split) == [(kt.FOLDER, 2, 'l'), (kt.FOLDER, 3, 'r')]


def test_missing_neighbour_dropped_and_counted(tiny, tmp_path):
    root = str(tmp_path)
    kt.make_kitti_tiny(root, num_frames=4, velodyne=False)
    os.remove(osp.join(root, kt.FOLDER, 'image_03', 'data', '0000000002.png'))
    split = write_split(tmp_path / 's.txt', [f'{kt.FOLDER} {i} l' for i in range(4)])
    logger = MMLogger.get_current_instance()
    cap = _Capture()
    logger.addHandler(cap)
    try:
        ds = KittiRawDepthDataset(ann_file=split, data_root=root, frame_ids=[0, -1, 1, 's'])
    finally:
        logger.removeHandler(cap)
    # 0: no frame -1; 3: no frame 4; 2: no right image -> only frame 1 is left
    assert len(ds) == 1 and ds.get_data_info(0)['frame_index'] == 1
    assert ds.num_dropped == 3
    assert ds.drop_reasons == {'missing neighbour': 2, 'missing other camera': 1}
    assert any('dropped 3 of 4' in m and split in m for m in cap.messages)
    # every kept sample loads: nothing missing mid-epoch
    out = PackMultiFrameInputs()(LoadMultiFrameImages()(ds.get_data_info(0)))
    assert tuple(out['inputs'].shape) == (4, 3, kt.H, kt.W)


def test_frame_missing_inside_a_drive_is_reported_per_drive(tmp_path):
    root = str(tmp_path)
    kt.make_kitti_tiny(root, num_frames=6, velodyne=False)
    gone = osp.join(root, kt.FOLDER, 'image_02', 'data', '0000000003.png')
    os.remove(gone)
    logger = MMLogger.get_current_instance()
    cap = _Capture()
    logger.addHandler(cap)
    try:
        ds = KittiRawDepthDataset(data_root=root, frame_ids=[0, -1, 1],
                                  split_cfg=dict(sides=('l',)))
    finally:
        logger.removeHandler(cap)
    # frames 1..4 have both neighbours; 3 is gone, 2 and 4 need it: only 1 is left
    assert [ds.get_data_info(i)['frame_index'] for i in range(len(ds))] == [1]
    assert ds.num_dropped == 3
    assert ds.drop_reasons == {'missing frame': 1, 'missing neighbour': 2}
    summary = [m for m in cap.messages if 'dropped 3 of 4' in m]
    drive = [m for m in cap.messages if m.strip().startswith(f'{kt.FOLDER}:')]
    assert len(summary) == 1 and root in summary[0]
    assert len(drive) == 1 and '3 dropped' in drive[0] and gone in drive[0]
    with pytest.raises(MissingDataError) as e:
        KittiRawDepthDataset(data_root=root, frame_ids=[0, -1, 1],
                             split_cfg=dict(sides=('l',)), on_missing='error')
    assert gone in str(e.value) and "on_missing='warn'" in str(e.value)
    with pytest.raises(ValueError, match='on_missing'):
        KittiRawDepthDataset(data_root=root, on_missing='skip')
    # the split tool says the same on stderr and still writes the split
    tool = runpy.run_path(osp.join(REPO, 'tools', 'misc', 'make_kitti_split.py'))
    assert tool['main']([root, '--out-dir', str(tmp_path / 'out'), '--sides', 'l']) == 0
    assert len(parse_split_file(str(tmp_path / 'out' / 'train_files.txt'))) == 1


def test_missing_calib_names_path(tmp_path):
    root = str(tmp_path)
    kt.make_kitti_tiny(root, num_frames=3, velodyne=False)
    os.remove(osp.join(root, kt.DATE, 'calib_cam_to_cam.txt'))
    split = write_split(tmp_path / 's.txt', [f'{kt.FOLDER} 1 l'])
    with pytest.raises(FileNotFoundError) as e:
        KittiRawDepthDataset(ann_file=split, data_root=root)
    assert osp.join(root, kt.DATE, 'calib_cam_to_cam.txt') in str(e.value)


def test_empty_split_names_path(tmp_path):
    split = write_split(tmp_path / 'empty.txt', [])
    with pytest.raises(ValueError, match=str(split)):
        KittiRawDepthDataset(ann_file=split, data_root=str(tmp_path))
    with pytest.raises(FileNotFoundError, match='nope.txt'):
        KittiRawDepthDataset(ann_file=str(tmp_path / 'nope.txt'), data_root=str(tmp_path))


def test_jpg_images_are_found(tmp_path):
    root = str(tmp_path)
    kt.make_kitti_tiny(root, num_frames=3, jpg_drive=True, velodyne=False)
    ds = KittiRawDepthDataset(data_root=root, frame_ids=[0, -1, 1, 's'])  # split from root
    assert len(ds) == 2  # frame 1, left and right targets
    info = ds.get_data_info(0)
    assert all(p.endswith('.jpg') for p in info['frame_paths'])
    res = LoadMultiFrameImages()(info)
    assert res['imgs'][0].shape == (kt.H, kt.W, 3)


def test_make_split_exclusions_and_tool(tiny, tmp_path):
    root, _ = tiny
    all_ = make_kitti_split(root, frame_ids=[0, -1, 1])['train']
    assert sorted(all_) == sorted((kt.FOLDER, i, s) for i in (1, 2, 3) for s in 'lr')
    static = write_split(tmp_path / 'static.txt', [f'{kt.DATE} {kt.DRIVE} 0000000002'])
    some = make_kitti_split(root, frame_ids=[0, -1, 1], static_frames=static, sides=('l',))
    assert some['train'] == [(kt.FOLDER, 1, 'l'), (kt.FOLDER, 3, 'l')]
    none = make_kitti_split(root, exclude_scenes=[kt.DRIVE])
    assert none['train'] == []
    only = make_kitti_split(root, include_scenes=['2011_09_26_drive_0001'], sides=('r',))
    assert only['train'] == [(kt.FOLDER, i, 'r') for i in (1, 2, 3)]
    out = tmp_path / 'splits'
    tool = runpy.run_path(osp.join(REPO, 'tools', 'misc', 'make_kitti_split.py'))
    rc = tool['main'](
        [root, '--out-dir', str(out), '--frame-ids', '0', '-1', '1', 's', '--val-ratio', '0.5']
    )
    assert rc == 0
    assert tool['main']([str(tmp_path / 'missing_root'), '--out-dir', str(out)]) == 1
    train = parse_split_file(str(out / 'train_files.txt'))
    val = parse_split_file(str(out / 'val_files.txt'))
    assert len(train) == 3 and len(val) == 3 and not set(train) & set(val)
