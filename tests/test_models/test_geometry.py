import math

import numpy as np
import pytest
import torch

from mmdepthpretrain.models.utils.geometry import (
    axis_angle_to_matrix,
    backproject,
    disp_to_depth,
    flow_warp,
    invert_pose,
    pose_vec_to_matrix,
    project,
    warp_image,
    warp_sources,
)
from mmdepthpretrain.models.utils.ssim import ssim_dissimilarity


def make_K(batch=1, fx=50.0, fy=40.0, cx=15.5, cy=7.5):
    K = torch.eye(4)
    K[0, 0], K[1, 1], K[0, 2], K[1, 2] = fx, fy, cx, cy
    return K.expand(batch, 4, 4).clone()


def test_backproject_matches_pinhole_formula():
    depth = torch.full((1, 1, 2, 3), 2.0)
    depth[0, 0, 1, 2] = 4.0
    K = make_K(fx=10, fy=20, cx=1.0, cy=0.5)
    pts = backproject(depth, torch.linalg.inv(K))
    assert pts.shape == (1, 4, 6)
    # pixel (u=2, v=1) -> index 1 * 3 + 2 = 5: X = z (u - cx) / fx, Y = z (v - cy) / fy
    assert torch.allclose(pts[0, :, 5], torch.tensor([4.0 * 1 / 10, 4.0 * 0.5 / 20, 4.0, 1.0]))
    assert torch.allclose(pts[0, :, 0], torch.tensor([2.0 * -1 / 10, 2.0 * -0.5 / 20, 2.0, 1]))


def test_project_known_point_and_normalisation():
    K = make_K(fx=100, fy=100, cx=31.5, cy=15.5)
    T = torch.eye(4)[None].clone()
    T[0, 0, 3] = 0.5  # move points +0.5 m along x
    pts = torch.tensor([[[0.5], [0.5], [2.0], [1.0]]])  # (1, 4, 1)
    grid = project(pts, K, T, 1, 1)
    # u = 100 * (0.5 + 0.5) / 2 + 31.5 = 81.5 ; v = 100 * 0.5 / 2 + 15.5 = 40.5 (on a 1x1 grid
    # the normaliser falls back to 2 / 1).
    assert torch.allclose(grid[0, 0, 0], torch.tensor([2 * 81.5 - 1, 2 * 40.5 - 1]))
    # 64x32 grid: the pixel centres 0 and W - 1 map to -1 and +1
    depth = torch.ones(1, 1, 32, 64)
    grid = project(backproject(depth, torch.linalg.inv(K)), K, torch.eye(4)[None], 32, 64)
    assert torch.allclose(grid[0, 0, 0], torch.tensor([-1.0, -1.0]), atol=1e-5)
    assert torch.allclose(grid[0, -1, -1], torch.tensor([1.0, 1.0]), atol=1e-5)


def test_points_behind_camera_stay_finite():
    pts = torch.tensor([[[1.0], [1.0], [-2.0], [1.0]]])
    grid = project(pts, make_K(), torch.eye(4)[None], 1, 1)
    assert torch.isfinite(grid).all() and grid.abs().min() > 1e3


def skew(w):
    return torch.tensor([[0, -w[2], w[1]], [w[2], 0, -w[0]], [-w[1], w[0], 0]], dtype=torch.float64)


@pytest.mark.parametrize(
    'vec', [[0.3, -0.2, 0.5], [1e-6, 0.0, -2e-6], [0.0, 0.0, 0.0], [0.0, 3.0, 0.0]]
)
def test_axis_angle_matches_matrix_exponential(vec):
    w = torch.tensor([vec], dtype=torch.float64)
    R = axis_angle_to_matrix(w)
    ref = torch.linalg.matrix_exp(skew(w[0]))
    assert R.shape == (1, 4, 4)
    assert torch.allclose(R[0, :3, :3], ref, atol=1e-10)
    assert torch.equal(R[0, 3], torch.tensor([0, 0, 0, 1.0], dtype=torch.float64))
    assert torch.equal(R[0, :3, 3], torch.zeros(3, dtype=torch.float64))


def test_axis_angle_rotates_about_axis():
    R = axis_angle_to_matrix(torch.tensor([[0.0, 0.0, math.pi / 2]]))
    # +90 deg about z maps x to y
    assert torch.allclose(
        R[0, :3, :3] @ torch.tensor([1.0, 0, 0]), torch.tensor([0, 1.0, 0]), atol=1e-6
    )


def test_axis_angle_gradient_finite_at_zero():
    w = torch.zeros(2, 3, requires_grad=True)
    axis_angle_to_matrix(w).sum().backward()
    assert torch.isfinite(w.grad).all()


def test_pose_vec_and_inverse():
    torch.manual_seed(0)
    aa, t = torch.randn(4, 3) * 0.3, torch.randn(4, 3)
    T = pose_vec_to_matrix(aa, t)
    assert torch.allclose(T[:, :3, 3], t)
    T_inv = pose_vec_to_matrix(aa, t, invert=True)
    eye = torch.eye(4).expand(4, 4, 4)
    assert torch.allclose(T @ T_inv, eye, atol=1e-5)
    assert torch.allclose(invert_pose(T), torch.linalg.inv(T), atol=1e-5)
    # (B, 1, 3) inputs, as a pose decoder returns them, give the same transform
    assert torch.allclose(pose_vec_to_matrix(aa[:, None], t[:, None]), T)


def test_identity_warp_reproduces_source():
    torch.manual_seed(0)
    src = torch.rand(2, 3, 12, 20)
    depth = torch.rand(2, 1, 12, 20) * 10 + 0.5
    K = make_K(2, fx=20, fy=20, cx=9.5, cy=5.5)
    out, mask = warp_image(
        src, depth, K, torch.linalg.inv(K), torch.eye(4).expand(2, 4, 4), return_mask=True
    )
    assert torch.allclose(out, src, atol=1e-5)
    assert mask.all()


def test_translation_warp_shifts_plane_by_disparity():
    # fronto-parallel plane at depth z, camera moved by tx: a target pixel u sees the
    # source at u + fx * tx / z. A source linear in u makes bilinear sampling exact.
    h, w, fx, z, tx = 8, 32, 16.0, 4.0, 0.5
    u = torch.arange(w, dtype=torch.float32)
    src = (u / w).expand(1, 1, h, w).clone()
    K = make_K(1, fx=fx, fy=fx, cx=(w - 1) / 2, cy=(h - 1) / 2)
    T = torch.eye(4)[None].clone()
    T[0, 0, 3] = -tx  # source camera at +tx: T_src_tgt translates points by -tx
    out, mask = warp_image(
        src, torch.full((1, 1, h, w), z), K, torch.linalg.inv(K), T, return_mask=True
    )
    shift = fx * tx / z  # 2 pixels
    assert shift == 2.0
    # source camera to the right: target pixel u sees source pixel u - shift
    expected = ((u - shift).clamp(min=0) / w).expand(1, 1, h, w)
    assert torch.allclose(out, expected, atol=1e-5)
    assert not mask[0, 0, :, :2].any() and mask[0, 0, :, 2:].all()


def test_warp_sources_equals_per_view_warp():
    torch.manual_seed(1)
    b, s, d, h, w = 2, 3, 2, 6, 10
    sources = torch.rand(b, s, 3, h, w)
    depths = torch.rand(b, d, 1, h, w) * 5 + 1
    K = make_K(b, fx=8, fy=8, cx=4.5, cy=2.5)
    T = pose_vec_to_matrix(torch.randn(b * s, 3) * 0.05, torch.randn(b * s, 3) * 0.2)
    T = T.reshape(b, s, 4, 4)
    out = warp_sources(sources, depths, K, torch.linalg.inv(K), T)
    assert out.shape == (b, d, s, 3, h, w)
    for j in range(s):
        for k in range(d):
            ref = warp_image(sources[:, j], depths[:, k], K, torch.linalg.inv(K), T[:, j])
            assert torch.allclose(out[:, k, j], ref, atol=1e-5)


def test_disp_to_depth_formula_and_clamping():
    disp = torch.tensor([0.0, 1.0, 0.5, float('nan'), float('inf'), -3.0, 7.0])
    depth = disp_to_depth(disp, 0.1, 100.0)
    assert torch.isfinite(depth).all()
    assert depth.min() >= 0.1 - 1e-6 and depth.max() <= 100.0 + 1e-3
    assert torch.allclose(depth[:2], torch.tensor([100.0, 0.1]))
    assert torch.isclose(depth[2], torch.tensor(1 / (0.01 + (10 - 0.01) * 0.5)))
    # depth decreases with disparity, between the two ends
    assert (depth[2] < depth[0]) and (depth[2] > depth[1])
    with pytest.raises(ValueError, match='min_depth'):
        disp_to_depth(disp, 0.0, 10.0)


def ssim_reference(x, y, c1=0.01**2, c2=0.03**2):
    """Independent SSIM: explicit 3x3 windows over a reflection-padded numpy array."""
    x, y = np.pad(x, 1, mode='reflect'), np.pad(y, 1, mode='reflect')
    h, w = x.shape[0] - 2, x.shape[1] - 2
    out = np.zeros((h, w))
    for i in range(h):
        for j in range(w):
            a, b = x[i : i + 3, j : j + 3], y[i : i + 3, j : j + 3]
            ma, mb = a.mean(), b.mean()
            va, vb = (a * a).mean() - ma**2, (b * b).mean() - mb**2
            cov = (a * b).mean() - ma * mb
            s = ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma**2 + mb**2 + c1) * (va + vb + c2))
            out[i, j] = np.clip((1 - s) / 2, 0, 1)
    return out


def test_ssim_matches_reference_and_is_zero_on_identical():
    rng = np.random.default_rng(0)
    x, y = rng.random((4, 4)), rng.random((4, 4))
    got = ssim_dissimilarity(torch.tensor(x)[None, None], torch.tensor(y)[None, None])
    assert np.allclose(got[0, 0].numpy(), ssim_reference(x, y), atol=1e-10)
    same = ssim_dissimilarity(torch.tensor(x)[None, None], torch.tensor(x)[None, None])
    assert torch.allclose(same, torch.zeros_like(same), atol=1e-7)
    # broadcasting over extra leading dims
    xs = torch.rand(2, 3, 2, 5, 6)
    out = ssim_dissimilarity(xs, xs[:, :1])
    assert out.shape == xs.shape and out[:, 0].abs().max() < 1e-6


def test_flow_warp_direction_and_mask():
    src = torch.rand(1, 3, 6, 10)
    # target(p) = src(p + (2, 1)): constant forward flow (2, 1) reconstructs it
    target = torch.zeros_like(src)
    target[..., :5, :8] = src[..., 1:, 2:]
    flow = torch.zeros(1, 2, 6, 10)
    flow[:, 0], flow[:, 1] = 2.0, 1.0
    out, inside = flow_warp(src, flow, return_mask=True)
    assert torch.allclose(out[..., :5, :8], target[..., :5, :8], atol=1e-6)
    assert inside[0, 0, :5, :8].all() and not inside[0, 0, :, 9].any()
    # a half-pixel shift interpolates linearly between neighbours
    flow_half = torch.zeros(1, 2, 6, 10)
    flow_half[:, 0] = 0.5
    half = flow_warp(src, flow_half)
    assert torch.allclose(half[..., :9], 0.5 * (src[..., :9] + src[..., 1:]), atol=1e-6)
    # zero flow is the identity, and the mask then covers the whole image
    same, inside = flow_warp(src, torch.zeros(1, 2, 6, 10), return_mask=True)
    assert torch.allclose(same, src, atol=1e-6) and inside.all()


def test_flow_warp_with_the_depth_induced_flow_equals_depth_warp():
    # both warps share one pixel -> grid normalisation: the flow that moves every target
    # pixel to its projection in the source gives the depth warp's image and mask
    torch.manual_seed(2)
    b, h, w = 2, 9, 14
    src = torch.rand(b, 3, h, w)
    depth = torch.rand(b, 1, h, w) * 4 + 2
    K = make_K(b, fx=12, fy=12, cx=6.5, cy=4.0)
    T = pose_vec_to_matrix(torch.randn(b, 3) * 0.05, torch.randn(b, 3) * 0.3)
    inv_K = torch.linalg.inv(K)
    ref, ref_mask = warp_image(src, depth, K, inv_K, T, return_mask=True)
    cam = (K @ T)[:, :3] @ backproject(depth, inv_K)  # (B, 3, H * W)
    pix = (cam[:, :2] / cam[:, 2:3]).reshape(b, 2, h, w)
    v, u = torch.meshgrid(torch.arange(h * 1.0), torch.arange(w * 1.0), indexing='ij')
    flow = pix - torch.stack([u, v])
    out, mask = flow_warp(src, flow, return_mask=True)
    assert torch.allclose(out, ref, atol=1e-5)
    assert (cam[:, 2] > 0).all() and torch.equal(mask, ref_mask)
    assert not mask.all() and mask.any()  # some pixels leave the image, most stay


def test_geometry_and_losses_keep_float32_under_mixed_precision():
    from mmdepthpretrain.models.losses.photometric_loss import reprojection_loss

    torch.manual_seed(0)
    b, s, h, w = 2, 2, 48, 640  # KITTI width: bf16 rounds pixel coordinates to 4 px
    sources = torch.nn.functional.avg_pool2d(torch.rand(b * s, 3, h, w), 9, 1, 4)
    sources = sources.view(b, s, 3, h, w)
    depths = torch.rand(b, 2, 1, h, w) * 30 + 2
    K = make_K(b, fx=0.58 * w, fy=1.92 * h, cx=w / 2, cy=h / 2)
    T = pose_vec_to_matrix(torch.randn(b * s, 3) * 0.01, torch.randn(b * s, 3) * 0.5)
    T = T.view(b, s, 4, 4)
    flow = torch.randn(b, 2, h, w) * 20
    args = (sources, depths, K, torch.linalg.inv(K), T)

    ref = warp_sources(*args)
    ref_loss = reprojection_loss(ref, sources[:, 0], sources, automask_noise=0)
    ref_flow = flow_warp(sources[:, 0], flow)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = warp_sources(*args)
        loss = reprojection_loss(out, sources[:, 0], sources, automask_noise=0)
        out_flow = flow_warp(sources[:, 0], flow)
        unguarded = warp_sources.__wrapped__(*args)  # what autocast alone would compute
    assert out.dtype == loss.dtype == out_flow.dtype == torch.float32
    assert torch.allclose(out, ref, atol=1e-6)
    assert torch.allclose(loss, ref_loss, atol=1e-7)
    assert torch.allclose(out_flow, ref_flow, atol=1e-6)
    assert (unguarded.float() - ref).abs().mean() > 1e-3
