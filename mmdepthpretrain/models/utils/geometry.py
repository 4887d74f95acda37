"""Pinhole camera geometry and flow warping for view synthesis.

Conventions (shared by the whole package):

- Camera coordinates follow OpenCV: x right, y down, z forward.
- Integer pixel coordinates ``(u, v)`` are pixel centres; the ray of pixel ``(u, v)`` is
  ``K^-1 [u, v, 1]^T``.
- Intrinsics ``K`` are 4x4 matrices (3x3 in the top-left, ``K[3, 3] = 1``).
- A pose ``T_a_b`` maps points of frame ``b`` into frame ``a``: ``p_a = T_a_b @ p_b``.
  Warping a target view from a source view needs ``T_src_tgt``.
- Sampling uses :func:`torch.nn.functional.grid_sample` with ``align_corners=True``,
  bilinear, border padding; pixel coordinates go to its [-1, 1] range by one
  normalisation, ``x_norm = u * 2 / (W - 1) - 1`` (consistent with the pixel-centre
  convention), for depth warping and flow warping alike.
- Warping is backward: the output is defined on the target's pixel grid and samples the
  source where each target pixel lands, by depth and pose (:func:`warp_image`,
  :func:`warp_sources`) or by an optical flow (:func:`flow_warp`).

View synthesis follows Zhou et al., "Unsupervised Learning of Depth and Ego-Motion from
Video" (CVPR 2017), eq. 2, and Godard et al., "Digging Into Self-Supervised Monocular Depth
Estimation" (ICCV 2019), Sec. 3. Every function derives its shapes from its inputs; nothing
is bound to a batch size, an image size or a device.
"""

from typing import Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor

from .precision import full_precision

__all__ = [
    'backproject',
    'project',
    'axis_angle_to_matrix',
    'pose_vec_to_matrix',
    'invert_pose',
    'warp_image',
    'warp_sources',
    'flow_warp',
    'disp_to_depth',
    'pixel_grid',
]


def pixel_grid(height: int, width: int, dtype: torch.dtype, device: torch.device) -> Tensor:
    """Homogeneous pixel-centre coordinates of an image.

    Args:
        height (int): Image height H.
        width (int): Image width W.
        dtype (torch.dtype): Output dtype.
        device (torch.device): Output device.

    Returns:
        Tensor: ``(3, H * W)`` rows ``u, v, 1`` in row-major pixel order.
    """
    v, u = torch.meshgrid(
        torch.arange(height, dtype=dtype, device=device),
        torch.arange(width, dtype=dtype, device=device),
        indexing='ij',
    )
    ones = torch.ones_like(u)
    return torch.stack([u, v, ones]).reshape(3, -1)


@full_precision
def backproject(depth: Tensor, inv_K: Tensor) -> Tensor:
    """Lift every pixel to a 3D camera point: ``X = depth * K^-1 [u, v, 1]^T``.

    Args:
        depth (Tensor): ``(B, 1, H, W)`` depth along the optical axis (z).
        inv_K (Tensor): ``(B, 4, 4)`` inverse intrinsics.

    Returns:
        Tensor: ``(B, 4, H * W)`` homogeneous camera points.
    """
    b, _, h, w = depth.shape
    pix = pixel_grid(h, w, depth.dtype, depth.device)
    rays = torch.matmul(inv_K[:, :3, :3].to(depth.dtype), pix)  # (B, 3, N)
    points = rays * depth.reshape(b, 1, h * w)
    ones = torch.ones_like(points[:, :1])
    return torch.cat([points, ones], dim=1)


def _normalise_pixels(pix: Tensor, height: int, width: int) -> Tensor:
    """Map pixel coordinates ``(..., 2)`` (x then y) to grid_sample's [-1, 1].

    With ``align_corners=True`` the pixel centres 0 and ``W - 1`` map to -1 and +1; a
    one-pixel side falls back to the factor 2.
    """
    scale = pix.new_tensor([2.0 / max(width - 1, 1), 2.0 / max(height - 1, 1)])
    return pix * scale - 1.0


def _sample(src: Tensor, grid: Tensor, padding_mode: str = 'border') -> Tensor:
    """Bilinear ``grid_sample`` of ``src`` at a normalised grid (align_corners=True)."""
    return F.grid_sample(
        src, grid.to(src.dtype), mode='bilinear', padding_mode=padding_mode, align_corners=True
    )


@full_precision
def project(
    points: Tensor,
    K: Tensor,
    T: Tensor,
    height: int,
    width: int,
    eps: float = 1e-7,
    return_depth: bool = False,
) -> Union[Tensor, Tuple[Tensor, Tensor]]:
    """Transform camera points by ``T`` and project them with ``K``.

    ``pix = K[:3] @ T @ X``; ``(u, v) = pix[:2] / max(pix[2], eps)``, normalised for
    :func:`torch.nn.functional.grid_sample` with ``align_corners=True``. Points behind the
    camera get a tiny positive depth, so they land far outside the image (border padding)
    instead of producing inf/NaN.

    Args:
        points (Tensor): ``(B, 4, N)`` homogeneous points, ``N = height * width``.
        K (Tensor): ``(B, 4, 4)`` intrinsics of the target camera.
        T (Tensor): ``(B, 4, 4)`` transform applied before projecting (``T_src_tgt``).
        height (int): Output grid height.
        width (int): Output grid width.
        eps (float): Smallest depth used in the perspective division. Defaults to 1e-7.
        return_depth (bool): Also return the projected depth ``(B, H, W)``.
            Defaults to False.

    Returns:
        Tensor | tuple[Tensor, Tensor]: ``(B, H, W, 2)`` normalised sampling grid
        (x then y), and the projected depth when ``return_depth``.
    """
    P = torch.matmul(K.to(points.dtype), T.to(points.dtype))[:, :3]  # (B, 3, 4)
    cam = torch.matmul(P, points)  # (B, 3, N)
    z = cam[:, 2:3]
    pix = cam[:, :2] / z.clamp(min=eps)
    b = points.shape[0]
    grid = _normalise_pixels(pix.permute(0, 2, 1), height, width).reshape(b, height, width, 2)
    if return_depth:
        return grid, z.reshape(b, height, width)
    return grid


@full_precision
def axis_angle_to_matrix(axisangle: Tensor) -> Tensor:
    """Rodrigues' formula: rotation vector to a 4x4 homogeneous rotation.

    ``R = I + sin(t)/t [w]x + (1 - cos(t))/t^2 [w]x^2`` with ``t = |w|``; for tiny angles the
    coefficients use their Taylor series, so values and gradients stay finite at ``w = 0``.

    Args:
        axisangle (Tensor): ``(B, 3)`` (or ``(B, 1, 3)``) rotation vectors in radians.

    Returns:
        Tensor: ``(B, 4, 4)`` homogeneous rotation matrices.
    """
    w = axisangle.reshape(-1, 3)
    theta2 = (w * w).sum(-1)
    small = theta2 < 1e-8
    theta2_safe = torch.where(small, torch.ones_like(theta2), theta2)
    theta = theta2_safe.sqrt()
    a = torch.where(small, 1.0 - theta2 / 6.0, torch.sin(theta) / theta)
    b = torch.where(small, 0.5 - theta2 / 24.0, (1.0 - torch.cos(theta)) / theta2_safe)
    zero = torch.zeros_like(w[:, 0])
    skew = torch.stack(
        [
            zero,
            -w[:, 2],
            w[:, 1],
            w[:, 2],
            zero,
            -w[:, 0],
            -w[:, 1],
            w[:, 0],
            zero,
        ],
        dim=-1,
    ).reshape(-1, 3, 3)
    eye = torch.eye(3, dtype=w.dtype, device=w.device).expand_as(skew)
    rot = eye + a[:, None, None] * skew + b[:, None, None] * torch.matmul(skew, skew)
    return _homogeneous(rot, torch.zeros_like(w))


def _homogeneous(rot: Tensor, trans: Tensor) -> Tensor:
    """``(..., 3, 3)`` rotation and ``(..., 3)`` translation -> ``(..., 4, 4)``."""
    top = torch.cat([rot, trans.unsqueeze(-1)], dim=-1)
    bottom = torch.zeros_like(top[..., :1, :])
    bottom = torch.cat([bottom[..., :3], torch.ones_like(bottom[..., 3:])], dim=-1)
    return torch.cat([top, bottom], dim=-2)


@full_precision
def pose_vec_to_matrix(axisangle: Tensor, translation: Tensor, invert: bool = False) -> Tensor:
    """Build ``T = [R(axisangle) | translation]`` (or its exact inverse).

    ``p' = R p + t``; with ``invert=True`` the result is ``[R^T | -R^T t]``, so a pose
    predicted for the ordered pair (source, target) can be turned into target-to-source.

    Args:
        axisangle (Tensor): ``(B, 3)`` rotation vectors.
        translation (Tensor): ``(B, 3)`` translations.
        invert (bool): Return the inverse transform. Defaults to False.

    Returns:
        Tensor: ``(B, 4, 4)`` rigid transforms.
    """
    T = _homogeneous(axis_angle_to_matrix(axisangle)[:, :3, :3], translation.reshape(-1, 3))
    return invert_pose(T) if invert else T


@full_precision
def invert_pose(T: Tensor) -> Tensor:
    """Invert rigid transforms ``[R | t] -> [R^T | -R^T t]``.

    Args:
        T (Tensor): ``(..., 4, 4)`` rigid transforms.

    Returns:
        Tensor: ``(..., 4, 4)`` inverses.
    """
    rot_t = T[..., :3, :3].transpose(-1, -2)
    trans = -torch.matmul(rot_t, T[..., :3, 3:4]).squeeze(-1)
    return _homogeneous(rot_t, trans)


@full_precision
def warp_image(
    src: Tensor,
    depth: Tensor,
    K: Tensor,
    inv_K: Tensor,
    T_src_tgt: Tensor,
    return_mask: bool = False,
    padding_mode: str = 'border',
) -> Union[Tensor, Tuple[Tensor, Tensor]]:
    """Synthesise the target view by sampling the source image.

    Each target pixel is back-projected with its depth, moved into the source camera with
    ``T_src_tgt``, projected with ``K`` and the source is sampled bilinearly there.

    Args:
        src (Tensor): ``(B, C, H, W)`` source image.
        depth (Tensor): ``(B, 1, H, W)`` target depth.
        K (Tensor): ``(B, 4, 4)`` intrinsics (shared by both views).
        inv_K (Tensor): ``(B, 4, 4)`` inverse intrinsics.
        T_src_tgt (Tensor): ``(B, 4, 4)`` target-to-source transform.
        return_mask (bool): Also return a ``(B, 1, H, W)`` bool mask of pixels that project
            in front of the source camera and inside its image area (pixel centres plus half
            a pixel). Defaults to False.
        padding_mode (str): ``grid_sample`` padding. Defaults to 'border'.

    Returns:
        Tensor | tuple[Tensor, Tensor]: the warped image ``(B, C, H, W)`` (and the mask).
    """
    h, w = depth.shape[-2:]
    grid, z = project(backproject(depth, inv_K), K, T_src_tgt, h, w, return_depth=True)
    out = _sample(src, grid, padding_mode)
    if not return_mask:
        return out
    # inside the image area: pixel centres span [-1, 1], the area half a pixel more
    half_pixel = grid.new_tensor([1.0 / max(w - 1, 1), 1.0 / max(h - 1, 1)])
    inside = (grid.abs() <= 1.0 + half_pixel).all(dim=-1) & (z > 0)
    return out, inside.unsqueeze(1)


@full_precision
def warp_sources(
    sources: Tensor, depths: Tensor, K: Tensor, inv_K: Tensor, T_src_tgt: Tensor
) -> Tensor:
    """Warp S source views with D depth maps in one ``grid_sample`` call.

    The D depth maps (e.g. the upsampled disparity of every decoder scale) are stacked
    along the image height, so each source image is sampled once for all of them without
    being copied D times.

    Args:
        sources (Tensor): ``(B, S, C, H, W)`` source images.
        depths (Tensor): ``(B, D, 1, H, W)`` target depth maps.
        K (Tensor): ``(B, 4, 4)`` intrinsics.
        inv_K (Tensor): ``(B, 4, 4)`` inverse intrinsics.
        T_src_tgt (Tensor): ``(B, S, 4, 4)`` target-to-source transform of every source.

    Returns:
        Tensor: ``(B, D, S, C, H, W)`` warped views.
    """
    b, s, c, h, w = sources.shape
    d = depths.shape[1]
    n = h * w
    pix = pixel_grid(h, w, depths.dtype, depths.device)
    rays = torch.matmul(inv_K[:, :3, :3].to(depths.dtype), pix)  # (B, 3, N)
    points = rays[:, None] * depths.reshape(b, d, 1, n)  # (B, D, 3, N)
    P = torch.matmul(K.to(depths.dtype)[:, None], T_src_tgt.to(depths.dtype))  # (B, S, 4, 4)
    # cam[b, s, d] = R_bs @ X_bd + t_bs
    cam = torch.einsum('bsij,bdjn->bsdin', P[:, :, :3, :3], points) + P[:, :, None, :3, 3:4]
    pix_src = cam[:, :, :, :2] / cam[:, :, :, 2:3].clamp(min=1e-7)  # (B, S, D, 2, N)
    grid = _normalise_pixels(pix_src.transpose(-1, -2), h, w)  # (B, S, D, N, 2)
    grid = grid.reshape(b * s, d * h, w, 2)
    out = _sample(sources.reshape(b * s, c, h, w), grid).reshape(b, s, c, d, h, w)
    return out.permute(0, 3, 1, 2, 4, 5)


@full_precision
def flow_warp(
    src: Tensor, flow: Tensor, return_mask: bool = False
) -> Union[Tensor, Tuple[Tensor, Tensor]]:
    """Backward-warp ``src`` with a pixel flow: ``out(p) = src(p + flow(p))``.

    With ``flow`` defined on the pixel grid of a target frame and pointing into a source
    frame, the source sampled at ``p + flow(p)`` reconstructs the target. For the forward
    flow ``t -> t+1`` (the direction of the KITTI flow benchmark and of the synthetic
    world's ground truth) the target is frame ``t`` and the source frame ``t+1``.

    Args:
        src (Tensor): ``(B, C, H, W)`` image to sample.
        flow (Tensor): ``(B, 2, H, W)`` displacement ``(u, v)`` in pixels, defined on the
            output grid.
        return_mask (bool): Also return a ``(B, 1, H, W)`` bool mask of pixels whose
            sampling point lies inside the image area (pixel centres plus half a pixel).
            Defaults to False.

    Returns:
        Tensor | tuple[Tensor, Tensor]: warped ``(B, C, H, W)`` (and the mask).
    """
    h, w = flow.shape[-2:]
    pix = pixel_grid(h, w, flow.dtype, flow.device)[:2].reshape(2, h, w) + flow  # (B, 2, H, W)
    out = _sample(src, _normalise_pixels(pix.permute(0, 2, 3, 1), h, w))
    if not return_mask:
        return out
    x, y = pix.unbind(dim=1)
    inside = (x >= -0.5) & (x <= w - 0.5) & (y >= -0.5) & (y <= h - 0.5)
    return out, inside.unsqueeze(1)


@full_precision
def disp_to_depth(disp: Tensor, min_depth: float, max_depth: float) -> Tensor:
    """Convert a sigmoid disparity in [0, 1] to depth in [min_depth, max_depth].

    ``scaled = 1 / max_depth + (1 / min_depth - 1 / max_depth) * disp``,
    ``depth = 1 / scaled`` (Godard et al., ICCV 2019). The disparity is cleaned
    (NaN -> 0) and clamped to [0, 1] first, so the result is always finite and positive.

    Args:
        disp (Tensor): Disparity of any shape.
        min_depth (float): Depth at disparity 1.
        max_depth (float): Depth at disparity 0.

    Returns:
        Tensor: Depth with the shape of ``disp``.
    """
    if not 0 < min_depth < max_depth:
        raise ValueError(
            f'disp_to_depth needs 0 < min_depth < max_depth, got '
            f'min_depth={min_depth}, max_depth={max_depth}'
        )
    disp = torch.nan_to_num(disp, nan=0.0).clamp(0.0, 1.0)
    min_disp, max_disp = 1.0 / max_depth, 1.0 / min_depth
    return 1.0 / (min_disp + (max_disp - min_disp) * disp)
