"""The loaders on the synthetic worlds (real layouts, known ground truth)."""

import json
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

from mmdepthpretrain.datasets import (
    CITYSCAPES_ID_TO_TRAINID,
    CityscapesDepthDataset,
    KittiRawDepthDataset,
    KittiSemanticDataset,
    NYUDepthDataset,
)
from mmdepthpretrain.datasets.synthetic import load_gt_depth, load_poses
from mmdepthpretrain.datasets.transforms import PackMultiFrameInputs
from mmdepthpretrain.models.utils.geometry import warp_image


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('mmseg')


def kitti_gt_dir(root, info):
    return osp.join(root, 'ground_truth', info['folder'])


def test_kitti_index_from_root(synthetic_kitti):
    ds = KittiRawDepthDataset(data_root=synthetic_kitti, frame_ids=[0, -1, 1, 's'], with_depth=True)
    # 2 drives x frames 1..4 (neighbours needed) x 2 cameras
    assert len(ds) == 16 and ds.num_dropped == 0
    info = ds.get_data_info(0)
    gt_cam = json.load(open(osp.join(kitti_gt_dir(synthetic_kitti, info), 'camera.json')))
    np.testing.assert_allclose(info['cam_K'][:3, :3], np.array(gt_cam['K']), rtol=1e-5)
    # the loader reads the same calibration the world was rendered with: same stereo baseline
    sign = -1 if info['side'] == 'l' else 1
    assert info['stereo_T'][0, 3] == pytest.approx(sign * gt_cam['baseline'], rel=1e-6)
    assert {ds.get_data_info(i)['side'] for i in range(len(ds))} == {'l', 'r'}


def test_lidar_depth_equals_gt_depth_at_hits(synthetic_kitti):
    ds = KittiRawDepthDataset(data_root=synthetic_kitti, frame_ids=[0], with_depth=True)
    pipe = Compose([dict(type='LoadMultiFrameImages'), dict(type='LoadDepthFromLidar')])
    for idx in (0, len(ds) - 1):  # a left and a right target
        info = ds.get_data_info(idx)
        depth = pipe(info)['gt_depth_map']
        sub = 'depth' if info['side'] == 'l' else 'depth_right'
        gt = load_gt_depth(
            osp.join(kitti_gt_dir(synthetic_kitti, info), sub, f'{info["frame_index"]:010d}.png')
        )
        hit = (depth > 0) & (gt > 0)
        assert hit.sum() > 0.2 * depth.size
        rel = np.abs(depth[hit] - gt[hit]) / gt[hit]
        # a point and its pixel centre differ by < half a pixel: tiny depth change;
        # a 1-pixel offset, a missing R_rect or the wrong camera fail these bounds
        assert np.median(rel) < 0.005
        assert np.mean(rel < 0.02) > 0.85


@pytest.mark.parametrize('flip', [0.0, 1.0])
def test_warp_with_gt_depth_and_poses(synthetic_kitti, flip):
    ds = KittiRawDepthDataset(
        data_root=synthetic_kitti, frame_ids=[0, -1, 1, 's'], split_cfg=dict(sides=('l',))
    )
    info = ds.get_data_info(1)
    f = info['frame_index']
    gt_dir = kitti_gt_dir(synthetic_kitti, info)
    P = load_poses(osp.join(gt_dir, 'poses.txt'))  # T_world_cam
    info['depth_map_path'] = osp.join(gt_dir, 'depth', f'{f:010d}.png')
    info['gt_T'] = [np.linalg.inv(P[f - 1]) @ P[f], np.linalg.inv(P[f + 1]) @ P[f]]
    pipe = Compose(
        [
            dict(type='LoadMultiFrameImages'),
            dict(type='LoadDepthMap', depth_scale=256),
            dict(type='MultiFrameResize', scale=(192, 60)),
            dict(type='MultiFrameRandomCrop', crop_size=(48, 160)),
            dict(type='MultiFrameRandomFlip', prob=flip, pose_keys=('stereo_T', 'gt_T')),
            dict(
                type='PackMultiFrameInputs', meta_keys=PackMultiFrameInputs().meta_keys + ('gt_T',)
            ),
        ]
    )
    np.random.seed(0)
    out = pipe(info)
    x, s = out['inputs'].float(), out['data_samples']
    K = torch.from_numpy(s.cam_K)[None]
    depth = s.gt_depth_map.data[None]
    for j, T in zip((1, 2, 3), list(s.gt_T) + [s.stereo_T]):
        T = torch.from_numpy(np.asarray(T, np.float32))[None]
        warped, mask = warp_image(x[j][None], depth, K, torch.linalg.inv(K), T, return_mask=True)
        mask = mask & (depth > 0)  # sky has no depth
        err = (warped - x[0][None]).abs().mean(1, keepdim=True)[mask].median().item()
        ident = (x[j][None] - x[0][None]).abs().mean(1, keepdim=True)[mask].median().item()
        # moving cars break the static-scene warp: a median ignores them
        assert err < 1.5 and err < 0.3 * ident, (j, err, ident)


def test_kitti_semantic_subsets_and_mmseg_pipeline(synthetic_kitti):
    kw = dict(data_root=synthetic_kitti, num_labelled=3)
    train = KittiSemanticDataset(split='train', **kw)
    test = KittiSemanticDataset(split='test', **kw)
    names = lambda d: [osp.basename(d.get_data_info(i)['img_path']) for i in range(len(d))]  # noqa
    assert names(train) == ['000000_10.png', '000001_10.png', '000002_10.png']
    assert len(test) == 5 and not set(names(train)) & set(names(test))
    r1 = KittiSemanticDataset(split='train', subset_mode='random', seed=1, **kw)
    r1b = KittiSemanticDataset(split='train', subset_mode='random', seed=1, **kw)
    assert names(r1) == names(r1b) and len(r1) == 3
    lst = osp.join(synthetic_kitti, 'subset_list.txt')
    with open(lst, 'w') as f:
        f.write('000004_10.png\n000007\n')
    listed = KittiSemanticDataset(split='train', subset_mode='list', subset_file=lst, **kw)
    assert names(listed) == ['000004_10.png', '000007_10.png']

    plain = KittiSemanticDataset(
        split='train', pipeline=[dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')], **kw
    )
    out = plain[0]
    raw = cv2.imread(plain.get_data_info(0)['seg_map_path'], cv2.IMREAD_UNCHANGED)
    expected = np.vectorize(lambda i: CITYSCAPES_ID_TO_TRAINID.get(int(i), 255))(raw)
    np.testing.assert_array_equal(out['gt_seg_map'], expected)
    assert set(np.unique(out['gt_seg_map'])) <= set(range(19)) | {255}
    assert (out['gt_seg_map'] == 0).any()  # road present

    ds = KittiSemanticDataset(
        split='train',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations'),
            dict(type='Resize', scale=(128, 40), keep_ratio=False),
            dict(type='RandomFlip', prob=0.5),
            dict(type='PackSegInputs'),
        ],
        **kw,
    )
    out = ds[0]
    assert tuple(out['inputs'].shape) == (3, 40, 128)
    assert tuple(out['data_samples'].gt_sem_seg.data.shape) == (1, 40, 128)


def test_cityscapes_sequences_and_disparity_depth(synthetic_cityscapes):
    seq = CityscapesDepthDataset(
        data_root=synthetic_cityscapes, split='train', frame_ids=[0, -1, 1]
    )
    assert len(seq) == 2 and seq.num_dropped == 2  # frames 1, 2 of 0..3
    stereo = CityscapesDepthDataset(
        data_root=synthetic_cityscapes,
        split='train',
        frame_ids=[0, 's'],
        with_depth=True,
        img_dir='leftImg8bit',
        right_img_dir='rightImg8bit',
    )
    assert len(stereo) == 1
    info = stereo.get_data_info(0)
    assert info['stereo_T'][0, 3] == pytest.approx(-0.209313)
    pipe = Compose(
        [
            dict(type='LoadMultiFrameImages'),
            dict(type='LoadDepthMap', mode='cityscapes_disparity'),
            dict(type='MultiFrameRandomCrop', crop_size=(64, 64)),
            dict(type='PackMultiFrameInputs'),
        ]
    )
    out = pipe(stereo.get_data_info(0))
    assert tuple(out['inputs'].shape) == (2, 3, 64, 64)
    full = Compose(
        [dict(type='LoadMultiFrameImages'), dict(type='LoadDepthMap', mode='cityscapes_disparity')]
    )(info)
    stem = osp.basename(info['img_path']).rsplit('_', 2)[0]
    gt = load_gt_depth(
        osp.join(
            synthetic_cityscapes,
            'ground_truth',
            'leftImg8bit_sequence',
            'train',
            info['city'],
            stem,
            'depth',
            f'{info["frame_index"]:06d}.png',
        )
    )
    d = full['gt_depth_map']
    m = (d > 0) & (gt > 0) & (gt < 40)
    assert m.mean() > 0.3
    rel = np.abs(d[m] - gt[m]) / gt[m]
    assert np.median(rel) < 0.02  # disparity is quantised to 1/256 px


def test_nyu_list_and_folder_layouts(synthetic_nyu):
    lst = NYUDepthDataset(
        data_root=synthetic_nyu, ann_file='nyudepthv2_train_files_with_gt.txt', list_prefix='sync'
    )
    folder = NYUDepthDataset(
        data_root=synthetic_nyu,
        data_prefix=dict(img_path='images/test', depth_map_path='annotations/test'),
    )
    assert len(lst) == 4 and len(folder) == 4
    pipe = Compose(
        [
            dict(type='LoadMultiFrameImages'),
            dict(type='LoadDepthMap'),
            dict(type='MultiFrameResize', scale=(64, 48)),
            dict(type='PackMultiFrameInputs'),
        ]
    )
    info = lst.get_data_info(1)
    out = pipe(info)
    s = out['data_samples']
    assert tuple(out['inputs'].shape) == (1, 3, 48, 64) and s.frame_ids == [0]
    # Kinect intrinsics given at 640x480 end up at 64x48
    assert s.cam_K[0, 0] == pytest.approx(518.857901 / 10, rel=1e-4)
    raw = Compose([dict(type='LoadMultiFrameImages'), dict(type='LoadDepthMap')])(
        lst.get_data_info(1)
    )
    gt = load_gt_depth(
        osp.join(synthetic_nyu, 'ground_truth', 'sync', 'synthroom_0000', 'depth', '00001.png')
    )
    m = gt > 0
    np.testing.assert_allclose(raw['gt_depth_map'][m], gt[m], atol=3e-3)  # mm vs 1/256 m
