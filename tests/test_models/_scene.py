"""An analytic textured plane seen by two cameras, for photometric tests."""

import torch

from mmdepthpretrain.models.utils.geometry import invert_pose, pose_vec_to_matrix


def texture(points):
    """Smooth RGB texture ``(3, H, W)`` of 3D points ``(H, W, 3)`` (target-frame coords)."""
    x, y = points[..., 0], points[..., 1]
    r = 0.5 + 0.2 * torch.sin(4 * x) + 0.2 * torch.cos(5 * y)
    g = 0.5 + 0.25 * torch.sin(3 * x + 2 * y)
    b = 0.5 + 0.2 * torch.cos(6 * x - 3 * y) + 0.1 * torch.sin(7 * y)
    return torch.stack([r, g, b], dim=0)


def render_plane_pair(
    height=48,
    width=96,
    fx=60.0,
    z0=4.0,
    slope=(0.15, 0.3),
    axisangle=(0.01, -0.02, 0.005),
    translation=(0.25, -0.05, 0.15),
):
    """Render target and source views of the plane ``z = z0 + a x + b y`` (target frame).

    Returns:
        dict: ``target`` / ``source`` (1, 3, H, W), ``depth`` (1, 1, H, W) of the target,
        ``K``, ``inv_K`` (1, 4, 4) and ``T_src_tgt`` (1, 4, 4).
    """
    a, b = slope
    K = torch.eye(4)[None].clone()
    K[0, 0, 0] = K[0, 1, 1] = fx
    K[0, 0, 2], K[0, 1, 2] = (width - 1) / 2, (height - 1) / 2
    inv_K = torch.linalg.inv(K)
    v, u = torch.meshgrid(
        torch.arange(height, dtype=torch.float32),
        torch.arange(width, dtype=torch.float32),
        indexing='ij',
    )
    rays = torch.stack([u, v, torch.ones_like(u)], dim=-1) @ inv_K[0, :3, :3].T  # (H, W, 3)
    normal = torch.tensor([-a, -b, 1.0])  # plane: normal . X = z0 (target frame)
    depth_t = z0 / (rays @ normal)
    target = texture(rays * depth_t[..., None])
    T_src_tgt = pose_vec_to_matrix(torch.tensor([axisangle]), torch.tensor([translation]))
    T_tgt_src = invert_pose(T_src_tgt)[0]
    R, t = T_tgt_src[:3, :3], T_tgt_src[:3, 3]
    # source ray r_s at depth z_s: X_t = z_s R r_s + t on the plane -> z_s
    depth_s = (z0 - normal @ t) / ((rays @ R.T) @ normal)
    points_t = (rays * depth_s[..., None]) @ R.T + t
    source = texture(points_t)
    return dict(
        target=target[None],
        source=source[None],
        depth=depth_t[None, None],
        K=K,
        inv_K=inv_K,
        T_src_tgt=T_src_tgt,
    )
