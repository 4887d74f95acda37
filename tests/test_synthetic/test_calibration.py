"""The synthetic KITTI calibration is written by the world and read by kitti_utils."""

import json
import os.path as osp

import numpy as np
import pytest

from mmdepthpretrain.datasets.kitti_utils import (
    load_kitti_calib,
    parse_calib_lines,
    read_calib_file,
)
from mmdepthpretrain.datasets.synthetic import kitti_calibration, read_kitti_calib, scaled_K
from mmdepthpretrain.datasets.synthetic.io import format_calib

DATE = '2011_01_01'


def test_one_reader():
    assert read_kitti_calib is read_calib_file


def test_written_calibration_reads_back_as_rendered(tmp_path):
    size = (320, 96)
    texts, geom = kitti_calibration(scaled_K('kitti', size), size)
    assert set(texts) == {'calib_cam_to_cam.txt', 'calib_velo_to_cam.txt', 'calib_imu_to_velo.txt'}
    for name, text in texts.items():
        (tmp_path / name).write_text(text)
    calib = load_kitti_calib(str(tmp_path))
    np.testing.assert_array_equal(calib.K(2)[:3, :3], geom['K'].astype(np.float32))
    np.testing.assert_allclose(geom['K'], scaled_K('kitti', size), rtol=1e-9)
    assert calib.baseline == geom['baseline'] == pytest.approx(0.54)
    assert calib.image_size[2] == calib.image_size[3] == size
    # the renderer's transform is the reader's, up to rounding
    np.testing.assert_allclose(calib.T_cam_velo(2), geom['T_cam2_velo'], rtol=0, atol=1e-15)
    T = geom['T_cam2_velo']
    np.testing.assert_allclose(T[:3, :3] @ T[:3, :3].T, np.eye(3), atol=1e-12)
    # velodyne origin: 0.27 m behind and 0.08 m above camera 0, which is 6 cm right of camera 2
    np.testing.assert_allclose(T[:3, 3], [0.06 - 0.0041, -0.0763, -0.2718], atol=1e-9)


def test_fixture_calibration_matches_ground_truth_camera(synthetic_kitti):
    calib = load_kitti_calib(osp.join(synthetic_kitti, DATE))
    size = (320, 96)
    _, geom = kitti_calibration(scaled_K('kitti', size), size)
    np.testing.assert_allclose(calib.T_cam_velo(2), geom['T_cam2_velo'], rtol=0, atol=1e-15)
    gt = osp.join(synthetic_kitti, 'ground_truth', DATE, f'{DATE}_drive_0001_sync')
    cam = json.load(open(osp.join(gt, 'camera.json')))
    assert cam['baseline'] == calib.baseline
    np.testing.assert_array_equal(np.array(cam['K']), calib.P_rect[2][:, :3])


def test_parse_calib_lines():
    text = format_calib(
        [('calib_time', '01-Jan-2011 12:00:00'), ('S_rect_02', [320, 96]), ('R', np.eye(3))]
    )
    assert text.splitlines()[0] == 'calib_time: 01-Jan-2011 12:00:00'
    parsed = parse_calib_lines(text.splitlines() + ['no colon here'], 'x.txt')
    assert set(parsed) == {'S_rect_02', 'R'}
    np.testing.assert_array_equal(parsed['R'], np.eye(3).ravel())
    np.testing.assert_array_equal(parsed['S_rect_02'], [320, 96])
    with pytest.raises(ValueError, match='x.txt'):
        parse_calib_lines(['calib_time: 01-Jan-2011 12:00:00'], 'x.txt')


def test_read_calib_file_names_missing_file(tmp_path):
    path = str(tmp_path / 'calib_cam_to_cam.txt')
    with pytest.raises(FileNotFoundError, match='calib_cam_to_cam.txt'):
        read_calib_file(path)
    (tmp_path / 'calib_cam_to_cam.txt').write_text('calib_time: 01-Jan-2011\n')
    with pytest.raises(ValueError, match='No numeric calibration entry'):
        read_calib_file(path)
