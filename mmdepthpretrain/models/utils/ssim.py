"""Structural similarity as a per-pixel dissimilarity for photometric losses."""

import torch
import torch.nn.functional as F
from torch import Tensor

from .precision import full_precision

__all__ = ['ssim_dissimilarity']


@full_precision
def ssim_dissimilarity(x: Tensor, y: Tensor, c1: float = 0.01**2, c2: float = 0.03**2) -> Tensor:
    """Per-pixel ``(1 - SSIM(x, y)) / 2`` clamped to [0, 1].

    SSIM (Wang et al., "Image Quality Assessment: From Error Visibility to Structural
    Similarity", TIP 2004, eq. 13) with local statistics from a 3x3 average pool over a
    reflection-padded image (the photometric loss of Godard et al., CVPR 2017 and ICCV 2019):
    ``SSIM = (2 mu_x mu_y + C1)(2 s_xy + C2) / ((mu_x^2 + mu_y^2 + C1)(s_x^2 + s_y^2 + C2))``.

    All five local means are computed by one pooling call.

    Args:
        x (Tensor): ``(..., C, H, W)`` image in [0, 1].
        y (Tensor): ``(..., C, H, W)`` image broadcastable to ``x``.
        c1 (float): Luminance stabiliser. Defaults to 0.01 ** 2.
        c2 (float): Contrast stabiliser. Defaults to 0.03 ** 2.

    Returns:
        Tensor: per-pixel, per-channel dissimilarity with the broadcast shape of the inputs.
    """
    x, y = torch.broadcast_tensors(x, y)
    shape = x.shape
    c, h, w = shape[-3:]
    x = x.reshape(-1, c, h, w)
    y = y.reshape(-1, c, h, w)
    stacked = torch.cat([x, y, x * x, y * y, x * y], dim=1)
    stacked = F.pad(stacked, (1, 1, 1, 1), mode='reflect')
    mu_x, mu_y, e_xx, e_yy, e_xy = F.avg_pool2d(stacked, 3, 1).split(c, dim=1)
    sigma_x = e_xx - mu_x * mu_x
    sigma_y = e_yy - mu_y * mu_y
    sigma_xy = e_xy - mu_x * mu_y
    num = (2 * mu_x * mu_y + c1) * (2 * sigma_xy + c2)
    den = (mu_x * mu_x + mu_y * mu_y + c1) * (sigma_x + sigma_y + c2)
    return ((1 - num / den) / 2).clamp(0, 1).reshape(shape)
