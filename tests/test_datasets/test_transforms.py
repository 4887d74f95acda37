"""Multi-frame transforms: K stays right through resize, crop, flip; packing format."""

import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

from mmdepthpretrain.datasets import KittiRawDepthDataset
from mmdepthpretrain.datasets.transforms import (
    LoadDepthMap,
    MultiFrameRandomCrop,
    MultiFrameRandomFlip,
    MultiFrameResize,
    PackMultiFrameInputs,
    flip_transform,
    scale_intrinsics,
)
from mmdepthpretrain.models.utils.geometry import warp_image

from . import kitti_tiny as kt

TARGET = 2


def _tiny(tmp_path_factory, jpg):
    init_default_scope('mmseg')
    root = str(tmp_path_factory.mktemp('kitti_tiny_tf'))
    kt.make_kitti_tiny(root, velodyne=False, jpg_drive=jpg)
    with open(osp.join(root, 'split.txt'), 'w') as f:
        f.write(f'{kt.FOLDER} {TARGET} l\n')
    return root


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    return _tiny(tmp_path_factory, jpg=False)


@pytest.fixture(scope='module')
def tiny_jpg(tmp_path_factory):
    return _tiny(tmp_path_factory, jpg=True)


def run_pipeline(
    root, decode_size, flip_prob, seed=0, crop=(40, 128), scale=(160, 50), tolerance=0.0
):
    ds = KittiRawDepthDataset(ann_file='split.txt', data_root=root, frame_ids=[0, -1, 1, 's'])
    info = ds.get_data_info(0)
    info['depth_map_path'] = osp.join(
        root, 'ground_truth', kt.FOLDER, 'depth_02', f'{TARGET:010d}.png'
    )
    # GT target->source poses of the temporal sources, mirrored by the flip too
    info['gt_T'] = [kt.T_src_tgt(TARGET, TARGET - 1), kt.T_src_tgt(TARGET, TARGET + 1)]
    pipe = Compose(
        [
            dict(type='LoadMultiFrameImages', decode_size=decode_size, decode_tolerance=tolerance),
            dict(type='LoadDepthMap', depth_scale=256),
            dict(type='MultiFrameResize', scale=scale),
            dict(type='MultiFrameRandomCrop', crop_size=crop),
            dict(type='MultiFrameRandomFlip', prob=flip_prob, pose_keys=('stereo_T', 'gt_T')),
            dict(
                type='PackMultiFrameInputs',
                meta_keys=PackMultiFrameInputs().meta_keys + ('gt_T', 'crop_bbox'),
            ),
        ]
    )
    np.random.seed(seed)
    return pipe(info)


def warp_error(out, K=None, Ts=None):
    """Mean abs error (0-255) of each source warped into the target with GT depth."""
    x = out['inputs'].float()
    sample = out['data_samples']
    K = torch.from_numpy(np.asarray(sample.cam_K if K is None else K, np.float32))[None]
    Ts = list(sample.gt_T) + [sample.stereo_T] if Ts is None else Ts
    depth = sample.gt_depth_map.data[None]
    errs = []
    for j, T in enumerate(Ts, 1):
        T = torch.from_numpy(np.asarray(T, np.float32))[None]
        warped, mask = warp_image(x[j][None], depth, K, torch.linalg.inv(K), T, return_mask=True)
        mask = mask & (depth > 0)
        assert mask.float().mean() > 0.5
        errs.append((warped - x[0][None]).abs().mean(1, keepdim=True)[mask].mean().item())
    return errs


@pytest.mark.parametrize('decode_size', [None, (100, 30)], ids=['full', 'reduced'])
@pytest.mark.parametrize('flip', [0.0, 1.0], ids=['noflip', 'flip'])
def test_warp_with_gt_depth_and_pose_reproduces_target(tiny, decode_size, flip):
    out = run_pipeline(tiny, decode_size, flip)
    meta = out['data_samples'].metainfo
    assert meta['flip'] == bool(flip)
    assert meta['decode_reduction'] == (2 if decode_size else 1)
    assert tuple(out['inputs'].shape) == (4, 3, 40, 128)
    errs = warp_error(out)
    assert max(errs) < 1.2, errs  # intensity units of 0..255
    # the same check fails with the geometry a buggy transform would leave behind
    # (a crop offset left out of K: principal point 20 px off)
    K_bad = np.array(meta['cam_K'])
    K_bad[0, 2] += 20
    assert min(warp_error(out, K=K_bad)[:2]) > 1.3 * max(errs[:2])
    wrong_stereo = flip_transform(meta['stereo_T'])
    assert warp_error(out, Ts=[wrong_stereo])[0] > 10 * errs[2]


@pytest.mark.parametrize(
    'decode',
    [(None, 0.0), ((100, 30), 0.0), ((128, 40), 0.05)],
    ids=['full', 'reduced', 'reduced-upsampled'],
)
@pytest.mark.parametrize('flip', [0.0, 1.0], ids=['noflip', 'flip'])
def test_frames_match_render_at_final_K(tiny, tiny_jpg, decode, flip):
    """Each output frame equals the scene rendered with the packed K (sub-pixel check)."""
    decode_size, tol = decode
    if tol:  # upsampling tolerance applies to JPEG only (DCT-scaled decoding)
        tiny = tiny_jpg
    scale = (180, 54) if tol == 0 else decode_size
    crop = (44, 150) if tol == 0 else (38, 120)
    out = run_pipeline(tiny, decode_size, flip, crop=crop, scale=scale, tolerance=tol)
    meta = out['data_samples'].metainfo
    assert meta['decode_reduction'] == (1 if decode_size is None else 2)
    K = meta['cam_K']
    poses = [
        kt.T_world_cam(TARGET, 2),
        kt.T_world_cam(TARGET - 1, 2),
        kt.T_world_cam(TARGET + 1, 2),
        kt.T_world_cam(TARGET, 3),
    ]
    for j, T_wc in enumerate(poses):
        ref, _ = kt.render(T_wc, K, crop, mirror=bool(flip))
        img = out['inputs'][j].permute(1, 2, 0).float().numpy()
        err = np.abs(img - ref).mean()
        # half a pixel of misregistration costs about 1.5 here (JPEG adds about 0.4)
        assert err < (1.5 if tol else 1.1), (j, err)
        shifted = K.copy()
        shifted[0, 2] += 0.5
        ref_bad, _ = kt.render(T_wc, shifted, crop, mirror=bool(flip))
        assert np.abs(img - ref_bad).mean() > err + 0.6


def test_intrinsics_formulas():
    K = np.eye(4, dtype=np.float32)
    K[0, 0], K[1, 1], K[0, 2], K[1, 2] = 100, 90, 50.5, 20.25
    K2 = scale_intrinsics(K, 0.5, 0.25)
    assert K2[0, 0] == 50 and K2[1, 1] == 22.5
    assert K2[0, 2] == pytest.approx(0.5 * 51.0 - 0.5)
    assert K2[1, 2] == pytest.approx(0.25 * 20.75 - 0.5)
    res = dict(
        imgs=[np.zeros((40, 60, 3), np.uint8)] * 2,
        cam_K=K.copy(),
        stereo_T=np.diag([1, 1, 1, 1]).astype(np.float32),
    )
    res['stereo_T'][0, 3] = -0.54
    res['gt_depth_map'] = np.arange(2400, dtype=np.float32).reshape(40, 60)
    np.random.seed(1)
    out = MultiFrameRandomCrop(crop_size=(30, 40))(dict(res))
    x0, y0 = out['crop_bbox'][:2]
    assert out['cam_K'][0, 2] == pytest.approx(50.5 - x0)
    assert out['cam_K'][1, 2] == pytest.approx(20.25 - y0)
    assert out['gt_depth_map'][0, 0] == res['gt_depth_map'][y0, x0]
    out = MultiFrameRandomFlip(prob=1.0)(dict(res))
    assert out['cam_K'][0, 2] == pytest.approx(59 - 50.5)
    assert out['stereo_T'][0, 3] == pytest.approx(0.54)
    assert out['gt_depth_map'][3, 0] == res['gt_depth_map'][3, 59]
    out = MultiFrameRandomFlip(prob=0.0)(dict(res))
    assert out['flip'] is False and out['stereo_T'][0, 3] == pytest.approx(-0.54)
    out = MultiFrameResize(scale=(30, 10))(dict(res))
    assert out['imgs'][0].shape == (10, 30, 3) and out['gt_depth_map'].shape == (10, 30)
    np.testing.assert_allclose(out['cam_K'], scale_intrinsics(K, 0.5, 0.25))


def test_pack_format(tiny):
    out = run_pipeline(tiny, None, 0.0)
    inputs, sample = out['inputs'], out['data_samples']
    assert inputs.dtype == torch.uint8 and inputs.shape == (4, 3, 40, 128)
    meta = sample.metainfo
    assert meta['frame_ids'] == [0, -1, 1, 's']
    assert meta['cam_K'].dtype == np.float32 and meta['cam_K'].shape == (4, 4)
    assert meta['stereo_T'].dtype == np.float32 and meta['img_shape'] == (40, 128)
    assert meta['ori_shape'] == (kt.H, kt.W) and meta['flip'] is False
    depth = sample.gt_depth_map.data
    assert depth.dtype == torch.float32 and depth.shape == (1, 40, 128)
    # RGB order: the red channel of the target follows the scene's red texture
    ref, _ = kt.render(kt.T_world_cam(TARGET, 2), meta['cam_K'], (40, 128))
    corr = [
        np.corrcoef(inputs[0, c].float().numpy().ravel(), ref[..., 0].ravel())[0, 1]
        for c in range(3)
    ]
    assert int(np.argmax(corr)) == 0


def test_color_jitter_shared_and_input_only():
    """Packed frames stay unaugmented; the preprocessor jitters the network copy only."""
    from mmdepthpretrain.models import MultiFrameDataPreProcessor

    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (8, 10, 3), dtype=np.uint8)
    K = np.eye(4, dtype=np.float32)
    packed = PackMultiFrameInputs()(dict(imgs=[base.copy(), base.copy()], cam_K=K))
    sample = packed['data_samples']
    assert set(sample.keys()) == set()  # frames only: no ground truth, no image copies
    assert torch.equal(packed['inputs'][0], torch.from_numpy(base).permute(2, 0, 1))
    pre = MultiFrameDataPreProcessor(
        color_jitter=dict(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1, prob=1.0)
    )
    torch.manual_seed(3)
    out = pre(dict(inputs=[packed['inputs']], data_samples=[sample]), training=True)['inputs']
    unaugmented = packed['inputs'].float()[None] / 255
    assert torch.equal(out['imgs'], unaugmented)  # the loss keeps the unaugmented frames
    assert torch.allclose(out['aug'][:, 0], out['aug'][:, 1])  # same draw for frames
    assert not torch.allclose(out['aug'], unaugmented, atol=1e-3)


def test_cityscapes_disparity_to_depth(tmp_path):
    import cv2

    disp_png = np.array([[0, 1, 257], [513, 2561, 0]], dtype=np.uint16)
    path = str(tmp_path / 'x_disparity.png')
    cv2.imwrite(path, disp_png)
    K = np.eye(4, dtype=np.float32)
    K[0, 0] = 2262.5
    out = LoadDepthMap(mode='cityscapes_disparity')(
        dict(depth_map_path=path, cam_K=K, baseline=0.209313)
    )
    d = out['gt_depth_map']
    expected = np.zeros((2, 3), np.float32)
    for (i, j), p in np.ndenumerate(disp_png):
        if p > 1:
            expected[i, j] = 2262.5 * 0.209313 / ((p - 1) / 256.0)
    np.testing.assert_allclose(d, expected, rtol=1e-5)
    assert d[0, 0] == 0 and d[0, 1] == 0  # p = 0 invalid, p = 1 zero disparity
