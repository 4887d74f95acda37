import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mmdepthpretrain.models.losses import (
    EdgeAwareSmoothnessLoss,
    FlowPhotometricLoss,
    FlowSmoothnessLoss,
    MaskedL1DepthLoss,
    MaskedReconstructionLoss,
    PhotometricReprojectionLoss,
    edge_aware_smoothness,
    halving_weights,
    masked_l1_depth,
    masked_l1_reconstruction,
    photometric_error,
    reduce_scales,
    reprojection_loss,
)
from mmdepthpretrain.models.utils.geometry import pose_vec_to_matrix, warp_image, warp_sources

from ._scene import render_plane_pair
from .test_geometry import ssim_reference

# ----------------------------------------------------------------- hand computations


def test_l1_reprojection_min_over_sources_by_hand():
    target = torch.tensor([[[0.0, 1.0], [0.5, 0.5]]])[None]  # (1, 1, 2, 2)
    warped = torch.tensor([[[[0.5, 1.0], [0.5, 0.0]]], [[[0.0, 0.0], [1.0, 0.75]]]])[None]
    # per-pixel |w - t|: source 0 -> [.5, 0, 0, .5], source 1 -> [0, 1, .5, .25]
    # minimum -> [0, 0, 0, .25], mean 0.0625
    loss = reprojection_loss(warped, target, ssim_weight=0.0)
    assert loss.item() == pytest.approx(0.0625)
    # with auto-masking: identity sources [1, .25, .5, 1] never win; identity [0, 0, 0, 0]
    # masks every pixel
    sources = torch.full((1, 2, 1, 2, 2), 0.25)
    sources[0, 0, 0] = torch.tensor([[1.0, 0.25], [0.5, 1.0]])
    loss = reprojection_loss(warped, target, sources, ssim_weight=0.0, automask_noise=0.0)
    # identity errors: source 0 [1, .75, 0, .5], source 1 [.25, .75, .25, .25]
    # min of all four per pixel: [0, 0, 0, .25]
    assert loss.item() == pytest.approx(0.0625)
    loss, mask = reprojection_loss(
        warped,
        target,
        target[:, None].expand(1, 2, 1, 2, 2),
        ssim_weight=0.0,
        automask_noise=0.0,
        return_mask=True,
    )
    assert loss.item() == 0.0 and not mask.any()
    avg = reprojection_loss(warped, target, ssim_weight=0.0, average_sources=True)
    assert avg.item() == pytest.approx(np.mean([0.25, 0.5, 0.25, 0.375]))


def reference_photometric_loss(warped, target, identity, alpha=0.85):
    """Independent numpy implementation: per pixel, per source, per scale."""
    d, s, c = warped.shape[:3]
    per_scale = []
    for k in range(d):
        errs = []
        for src in list(identity) + [warped[k, j] for j in range(s)]:
            ssim = np.mean([ssim_reference(src[ch], target[ch]) for ch in range(c)], axis=0)
            l1 = np.abs(src - target).mean(axis=0)
            errs.append(alpha * ssim + (1 - alpha) * l1)
        per_scale.append(np.min(np.stack(errs), axis=0).mean())
    return float(np.mean(per_scale))


def test_photometric_loss_matches_independent_implementation():
    rng = np.random.default_rng(3)
    warped = rng.random((2, 2, 3, 4, 4))  # D=2 scales, S=2 sources
    target = rng.random((3, 4, 4))
    identity = rng.random((2, 3, 4, 4))
    expected = reference_photometric_loss(warped, target, identity)
    module = PhotometricReprojectionLoss(automask_noise=0.0, loss_weight=2.0)
    got = module(
        torch.tensor(warped)[None], torch.tensor(target)[None], torch.tensor(identity)[None]
    )
    assert got.item() == pytest.approx(2 * expected, rel=1e-9)
    assert module.loss_name == 'loss_photometric'
    no_mask = reference_photometric_loss(warped, target, [])
    got = reprojection_loss(torch.tensor(warped)[None], torch.tensor(target)[None])
    assert got.item() == pytest.approx(no_mask, rel=1e-9)


def test_photometric_error_by_hand_on_2x2():
    # channel 0: pred [[1, 0], [0, 0]] against a constant 0.5; channel 1 identical (error 0)
    pred = torch.tensor([[[1.0, 0.0], [0.0, 0.0]], [[0.3, 0.3], [0.3, 0.3]]], dtype=torch.float64)
    target = torch.tensor([[[0.5] * 2] * 2, [[0.3] * 2] * 2], dtype=torch.float64)
    # 3x3 means over the reflection-padded 2x2 image weight a pixel's own value 1/9, its
    # row and column neighbours 2/9 each and the diagonal one 4/9, so the mean of x at
    # (0, 0), (0, 1), (1, 0), (1, 1) is 1/9, 2/9, 2/9, 4/9 (and E[x^2] the same, x in {0, 1}).
    # The target is constant: mu_y = 0.5, sigma_y = sigma_xy = 0.
    c1, c2 = 0.01**2, 0.03**2
    expected = []
    for mu in (1 / 9, 2 / 9, 2 / 9, 4 / 9):
        var = mu - mu * mu
        ssim = (2 * mu * 0.5 + c1) * c2 / ((mu * mu + 0.25 + c1) * (var + c2))
        # L1 is 0.5 at every pixel; both terms are averaged over the 2 channels
        expected.append((0.85 * (1 - ssim) / 2 + 0.15 * 0.5) / 2)
    got = photometric_error(pred, target)
    assert got.shape == (2, 2)
    assert got.flatten().tolist() == pytest.approx(expected, rel=1e-12)
    # pixel (0, 0) worked out to 6 digits: SSIM = 0.0038266, error = 0.498374 / 2
    assert got[0, 0].item() == pytest.approx(0.498374 / 2, abs=1e-6)
    # explicit weights (the flow loss's parameters): 0.15 L1 + 0.3 (1 - SSIM) / 2
    text = photometric_error(pred, target, ssim_weight=0.3, l1_weight=0.15)
    ssim00 = (2 / 9 * 0.5 + c1) * c2 / ((1 / 81 + 0.25 + c1) * (8 / 81 + c2))
    assert text[0, 0].item() == pytest.approx((0.3 * (1 - ssim00) / 2 + 0.15 * 0.5) / 2)
    # no SSIM: the plain channel-mean L1
    assert photometric_error(pred, target, ssim_weight=0.0).flatten().tolist() == [0.25] * 4


def test_scale_rule_gives_the_documented_weights():
    # the rule: L = sum_r w_r L_r, weights applied as given
    terms = [torch.tensor(v) for v in (1.0, 10.0, 100.0, 1000.0)]
    assert reduce_scales(terms, [0.5, 0.25, 0.125, 0.0625]).item() == pytest.approx(
        0.5 + 2.5 + 12.5 + 62.5
    )
    assert reduce_scales(terms[:1], [1.0]).item() == 1.0
    with pytest.raises(ValueError, match='one weight per scale'):
        reduce_scales(terms, [1.0, 1.0])
    assert halving_weights([0, 1, 2, 3]) == [1.0, 0.5, 0.25, 0.125]
    assert halving_weights([0, 2]) == [1.0, 0.25]
    # each multi-scale loss's weights, as documented in reduce_scales
    scales = [0, 1, 2, 3]
    assert PhotometricReprojectionLoss.scale_weights(4) == [0.25] * 4
    assert MaskedL1DepthLoss.scale_weights(2) == [0.5, 0.5]
    assert EdgeAwareSmoothnessLoss.scale_weights(scales) == [1 / 4, 1 / 8, 1 / 16, 1 / 32]
    assert FlowPhotometricLoss.scale_weights(scales) == [1.0, 0.5, 0.25, 0.125]
    assert FlowSmoothnessLoss.scale_weights(scales) == [1.0, 0.5, 0.25, 0.125]
    recon = MaskedReconstructionLoss.scale_weights(scales)
    assert recon == pytest.approx([8 / 15, 4 / 15, 2 / 15, 1 / 15]) and sum(recon) == 1.0
    assert MaskedReconstructionLoss.scale_weights([2]) == [1.0]


def test_multiscale_losses_combine_scales_by_the_rule():
    torch.manual_seed(4)
    img = torch.rand(2, 3, 8, 16)
    disps = [torch.rand(2, 1, 8 // 2**s, 16 // 2**s) for s in range(3)]
    imgs = [img] + [F.interpolate(img, size=d.shape[-2:], mode='area') for d in disps[1:]]
    smooth = [edge_aware_smoothness(d, i) for d, i in zip(disps, imgs)]
    got = EdgeAwareSmoothnessLoss(loss_weight=1.0)(disps, img)
    assert got.item() == pytest.approx((smooth[0] + smooth[1] / 2 + smooth[2] / 4).item() / 3)
    flow_smooth = [edge_aware_smoothness(d, i, normalise=False) for d, i in zip(disps, imgs)]
    got = FlowSmoothnessLoss(loss_weight=1.0)(disps, img)
    expected = flow_smooth[0] + flow_smooth[1] / 2 + flow_smooth[2] / 4
    assert got.item() == pytest.approx(expected.item())
    preds = [torch.rand(2, 3, 8 // 2**s, 16 // 2**s) for s in range(3)]
    photo = [photometric_error(p, i, 0.85, 0.15).mean() for p, i in zip(preds, imgs)]
    got = FlowPhotometricLoss()(preds, imgs)
    assert got.item() == pytest.approx((photo[0] + photo[1] / 2 + photo[2] / 4).item())
    mask = (torch.rand(2, 1, 8, 16) > 0.5).float()
    up = [F.interpolate(p, size=(8, 16), mode='bilinear', align_corners=False) for p in preds]
    rec = [masked_l1_reconstruction(p, img, mask) for p in up]
    got = MaskedReconstructionLoss()(preds, img, mask, [0, 1, 2])
    assert got.item() == pytest.approx((4 * rec[0] + 2 * rec[1] + rec[2]).item() / 7)
    warped = torch.rand(2, 3, 2, 3, 8, 16)  # D=3 scales, S=2 sources
    per_scale = [reprojection_loss(warped[:, k], img, automask=False) for k in range(3)]
    got = PhotometricReprojectionLoss(automask=False)(warped, img)
    assert got.item() == pytest.approx(sum(per_scale).item() / 3)


def test_reduction_weight_and_avg_factor():
    warped, target = torch.rand(2, 3, 2, 3, 4, 5), torch.rand(2, 3, 4, 5)
    err = reprojection_loss(warped, target, automask=False, reduction='none')
    assert err.shape == (2, 3, 4, 5)
    assert reprojection_loss(warped, target, automask=False).item() == pytest.approx(
        err.mean().item()
    )
    assert reprojection_loss(warped, target, automask=False, reduction='sum').item() == (
        pytest.approx(err.sum().item())
    )
    weight = torch.zeros(2, 1, 4, 5)
    weight[:, :, 0] = 1.0  # first row only
    got = reprojection_loss(warped, target, automask=False, weight=weight, avg_factor=30.0)
    assert got.item() == pytest.approx(err[:, :, 0].sum().item() / 30.0, rel=1e-6)
    pred = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    gt = torch.tensor([[[[0.0, 2.5], [6.0, 5.0]]]])
    per_pixel = masked_l1_depth(pred, gt, reduction='none')
    assert per_pixel.flatten().tolist() == [0.0, 0.5, 3.0, 1.0]  # 0 where gt is unknown
    assert masked_l1_depth(pred, gt, reduction='sum').item() == pytest.approx(4.5)
    assert masked_l1_depth(pred, gt).item() == pytest.approx(4.5 / 3)  # avg over valid
    w = torch.tensor([[[[1.0, 1.0], [0.0, 2.0]]]])
    assert masked_l1_depth(pred, gt, weight=w).item() == pytest.approx(2.5 / 3)
    assert masked_l1_depth(pred, gt, weight=w, avg_factor=2).item() == pytest.approx(1.25)
    # the module's per-pixel weight is shared by its scales
    module = MaskedL1DepthLoss()
    two = torch.stack([pred, pred + 1], dim=1)  # (1, 2, 1, 2, 2)
    # scale 2 errors on valid pixels: |3 - 2.5|, |4 - 6|, |5 - 5| -> weighted 0.5 + 0 + 0
    assert module(two, gt, weight=w).item() == pytest.approx((2.5 / 3 + 0.5 / 3) / 2)


def test_photometric_error_mixes_ssim_and_l1():
    a, b = torch.rand(1, 3, 5, 5), torch.rand(1, 3, 5, 5)
    l1 = (a - b).abs().mean(1)
    assert torch.allclose(photometric_error(a, b, 0.0), l1)
    assert torch.allclose(photometric_error(a, a), torch.zeros(1, 5, 5), atol=1e-7)


def test_smoothness_by_hand():
    disp = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])  # mean 2.5 -> [.4 .8; 1.2 1.6]
    flat = torch.zeros(1, 3, 2, 2)
    # |dx| = .4 (both rows), |dy| = .8 (both columns), no image edges -> .4 + .8
    assert edge_aware_smoothness(disp, flat).item() == pytest.approx(1.2)
    edges = torch.tensor([[0.0, 1.0], [0.0, 1.0]]).expand(1, 3, 2, 2)
    # an image step of 1 along x weights the x term by exp(-1)
    assert edge_aware_smoothness(disp, edges).item() == pytest.approx(0.4 * np.exp(-1) + 0.8)
    assert edge_aware_smoothness(disp, flat, normalise=False).item() == pytest.approx(3.0)
    # the normalisation makes it invariant to the disparity scale
    assert edge_aware_smoothness(disp * 7, edges).item() == pytest.approx(
        edge_aware_smoothness(disp, edges).item(), rel=1e-5
    )


def test_smoothness_module_weights_scales():
    torch.manual_seed(0)
    img = torch.rand(2, 3, 8, 16)
    d0, d1 = torch.rand(2, 1, 8, 16), torch.rand(2, 1, 4, 8)
    img1 = img.reshape(2, 3, 4, 2, 8, 2).mean(dim=(3, 5))  # 2x2 average = area resize
    expected = 1e-3 * (edge_aware_smoothness(d0, img) + edge_aware_smoothness(d1, img1) / 2) / 2
    module = EdgeAwareSmoothnessLoss()
    assert module([d0, d1], img).item() == pytest.approx(expected.item(), rel=1e-5)
    assert module.loss_name == 'loss_smoothness'


def test_masked_l1_by_hand():
    pred = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]], requires_grad=True)
    gt = torch.tensor([[[[0.0, 2.5], [float('inf'), 5.0]]]])
    loss = masked_l1_depth(pred, gt)  # (|2 - 2.5| + |4 - 5|) / 2
    assert loss.item() == pytest.approx(0.75)
    loss.backward()
    assert torch.equal(pred.grad, torch.tensor([[[[0.0, -0.5], [0.0, -0.5]]]]))
    assert masked_l1_depth(pred, gt, max_depth=4.0).item() == pytest.approx(0.5)
    empty = masked_l1_depth(pred, torch.zeros_like(gt))
    assert empty.item() == 0.0 and empty.requires_grad


def test_masked_l1_module_scales_and_resize():
    gt = torch.zeros(1, 1, 4, 4)
    gt[0, 0, 1, 2] = 3.0
    pred = torch.full((1, 2, 1, 2, 2), 2.0)  # two scales, half resolution, constant
    pred[:, 1] = 5.0
    module = MaskedL1DepthLoss(loss_weight=0.5)
    # bilinear resize of a constant is the constant: scale errors 1 and 2 -> mean 1.5
    assert module(pred, gt).item() == pytest.approx(0.5 * 1.5)
    assert module.loss_name == 'loss_depth'


# ------------------------------------------------------------- geometry + photometric


def test_identity_pose_on_identical_frames_gives_zero_error():
    torch.manual_seed(0)
    img = torch.rand(2, 3, 16, 24)
    depth = torch.rand(2, 1, 16, 24) * 20 + 1
    K = torch.eye(4).repeat(2, 1, 1)
    K[:, 0, 0] = K[:, 1, 1] = 20.0
    K[:, 0, 2], K[:, 1, 2] = 11.5, 7.5
    eye = torch.eye(4).repeat(2, 1, 1)
    warped = warp_image(img, depth, K, torch.linalg.inv(K), eye)
    loss = reprojection_loss(warped[:, None], img, automask=False)
    assert loss.item() < 1e-6


def _plane_loss(scene, depth_scale=1.0, translation_scale=1.0, rotation_offset=0.0):
    T = scene['T_src_tgt']
    scale = torch.ones(4, 4)
    scale[:3, 3] = 0
    T = T * scale + T * (1 - scale) * translation_scale
    if rotation_offset:
        T = pose_vec_to_matrix(torch.tensor([[0.0, rotation_offset, 0.0]]), torch.zeros(1, 3)) @ T
    warped = warp_sources(
        scene['source'][:, None],
        (scene['depth'] * depth_scale)[:, None],
        scene['K'],
        scene['inv_K'],
        T[:, None],
    )
    return reprojection_loss(warped, scene['target'], automask=False)


@pytest.fixture(scope='module')
def plane():
    return render_plane_pair()


def test_ground_truth_depth_and_pose_minimise_photometric_loss(plane):
    best = _plane_loss(plane).item()
    assert best < 0.01
    for kw in [
        dict(depth_scale=0.8),
        dict(depth_scale=1.25),
        dict(translation_scale=0.6),
        dict(translation_scale=1.5),
        dict(rotation_offset=0.02),
    ]:
        assert _plane_loss(plane, **kw).item() > 3 * best, kw


@pytest.mark.parametrize('name', ['depth_scale', 'translation_scale'])
def test_photometric_gradient_points_to_ground_truth(plane, name):
    for start, sign in [(0.85, -1.0), (1.15, 1.0)]:
        p = torch.tensor(start, requires_grad=True)
        _plane_loss(plane, **{name: p}).backward()
        # d loss / d p has the sign of (p - 1): a gradient step moves p toward 1
        assert p.grad.item() * sign > 0, (name, start, p.grad.item())


@pytest.mark.parametrize('factor', [0.85, 1.2])
def test_photometric_gradient_per_pixel_depth(plane, factor):
    depth = (plane['depth'] * factor).requires_grad_(True)
    warped = warp_sources(
        plane['source'][:, None],
        depth[:, None],
        plane['K'],
        plane['inv_K'],
        plane['T_src_tgt'][:, None],
    )
    reprojection_loss(warped, plane['target'], automask=False).backward()
    # almost every pixel's gradient has the sign of (depth - true depth)
    toward_truth = (depth.grad * (factor - 1.0) > 0).float().mean()
    assert toward_truth > 0.95


def test_smoothness_of_one_pixel_high_map_is_finite():
    disp = torch.rand(1, 1, 1, 5, requires_grad=True)
    loss = EdgeAwareSmoothnessLoss()([disp], torch.rand(1, 3, 8, 40))
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(disp.grad).all()


# ------------------------------------------------------------ synthetic world ground truth


def _world_views(root):
    """Target frame, next frame and right view of the synthetic KITTI world, with GT."""
    import glob
    import os.path as osp

    import cv2

    from mmdepthpretrain.datasets.synthetic import load_gt_camera, load_gt_depth, load_poses

    seq = sorted(glob.glob(osp.join(root, 'ground_truth', '2011_*', '*_sync')))[0]
    cam = load_gt_camera(seq)
    poses = load_poses(osp.join(seq, 'poses.txt'))
    files = cam['image_files']  # frame i -> left RGB path relative to the root
    tgt, src = 2, 1  # the previous frame: the forward-moving camera sees all of it

    def rgb(path):
        img = cv2.imread(osp.join(root, path))[..., ::-1].copy()
        return torch.from_numpy(img).permute(2, 0, 1).float()[None] / 255

    stem = osp.splitext(osp.basename(files[tgt]))[0]
    depth = torch.from_numpy(load_gt_depth(osp.join(seq, 'depth', stem + '.png')))[None, None]
    depth[depth <= 0] = 1e4  # sky: (practically) infinite
    K = torch.eye(4, dtype=torch.float64)
    K[:3, :3] = torch.from_numpy(cam['K'])
    T_src_tgt = torch.linalg.inv(torch.from_numpy(poses[src])) @ torch.from_numpy(poses[tgt])
    stereo_T = torch.eye(4, dtype=torch.float64)
    stereo_T[0, 3] = -cam['baseline']  # right camera at +baseline: T_right_left
    right = rgb(files[tgt].replace('image_02', 'image_03'))
    return dict(
        target=rgb(files[tgt]),
        source=rgb(files[src]),
        right=right,
        depth=depth,
        K=K[None].float(),
        inv_K=torch.linalg.inv(K)[None].float(),
        T_src_tgt=T_src_tgt[None].float(),
        stereo_T=stereo_T[None].float(),
    )


def _world_loss(views, source, T, depth_scale=1.0):
    depth = views['depth'] * depth_scale
    warped = warp_sources(source[:, None], depth[:, None], views['K'], views['inv_K'], T[:, None])
    return reprojection_loss(warped, views['target'], automask=False)


@pytest.fixture(scope='module')
def world(synthetic_kitti):
    return _world_views(synthetic_kitti)


@pytest.mark.parametrize('view', ['temporal', 'stereo'])
def test_synthetic_world_ground_truth_minimises_photometric_loss(world, view):
    source, T = (
        (world['source'], world['T_src_tgt'])
        if view == 'temporal'
        else (world['right'], world['stereo_T'])
    )
    # moving cars and resampling leave a floor, so the margins are relative
    best = _world_loss(world, source, T).item()
    assert _world_loss(world, source, T, depth_scale=0.6).item() > 1.4 * best
    assert _world_loss(world, source, T, depth_scale=1.8).item() > 1.4 * best
    for offset in ([0.3, 0.0, 0.0], [0.0, 0.2, 0.0], [0.0, 0.0, 0.5]):
        T_bad = T.clone()
        T_bad[:, :3, 3] += torch.tensor(offset)
        assert _world_loss(world, source, T_bad).item() > 1.4 * best, offset
    # gradient w.r.t. a global depth scale points back to the truth from both sides
    for start in (0.8, 1.25):
        s = torch.tensor(start, requires_grad=True)
        _world_loss(world, source, T, depth_scale=s).backward()
        assert s.grad.item() * (start - 1.0) > 0, (view, start, s.grad.item())


def test_affine_invariant_disparity_by_hand_on_2x2():
    from mmdepthpretrain.models.losses import AffineInvariantDepthLoss, affine_invariant_disparity

    gt = torch.tensor([[[[1.0, 2.0], [4.0, 0.0]]]])  # 0: invalid
    pred = torch.tensor([[[[3.0, 1.0], [2.0, 9.0]]]])
    # target 1/z = [1, 0.5, 0.25]: median 0.5, mean |dev| 0.25 -> [2, 0, -1]
    # prediction [3, 1, 2]: median 2, mean |dev| 2/3 -> [1.5, -1.5, 0]
    loss = affine_invariant_disparity(pred, gt)
    assert loss.item() == pytest.approx((0.5 + 1.5 + 1.0) / 3)
    # any positive scale and shift of the true inverse depth costs nothing
    assert affine_invariant_disparity(3.0 / gt.clamp(min=1) + 7.0, gt).item() == \
        pytest.approx(0.0, abs=1e-6)
    # images are averaged; one without a valid pixel is left out; max_depth masks
    both = affine_invariant_disparity(torch.cat([pred, pred]), torch.cat([gt, gt * 0]))
    assert both.item() == pytest.approx(loss.item())
    capped = affine_invariant_disparity(pred, gt, max_depth=2.0)  # [1, 0.5] vs [3, 1]
    assert capped.item() == pytest.approx(0.0, abs=1e-6)
    module = AffineInvariantDepthLoss(loss_weight=2.0)
    assert module.loss_name == 'loss_ssi'
    assert module(pred, gt).item() == pytest.approx(2 * loss.item())
    big = F.interpolate(pred, scale_factor=2.0, mode='nearest')  # resized back to 2x2
    assert module(big, gt).item() == pytest.approx(
        2 * affine_invariant_disparity(F.interpolate(big, size=(2, 2), mode='bilinear'),
                                       gt).item())
    zero = affine_invariant_disparity(pred.requires_grad_(), gt * 0)
    zero.backward()
    assert zero.item() == 0.0 and pred.grad is not None
