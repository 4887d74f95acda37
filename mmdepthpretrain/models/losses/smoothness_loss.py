"""Edge-aware disparity smoothness."""

import math
from typing import List, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from ..utils.precision import full_precision
from .utils import halving_weights, reduce_scales

__all__ = ['edge_aware_smoothness', 'EdgeAwareSmoothnessLoss']


@full_precision
def edge_aware_smoothness(disp: Tensor, img: Tensor, normalise: bool = True) -> Tensor:
    """``mean |dx d*| exp(-mean_c |dx I|) + mean |dy d*| exp(-mean_c |dy I|)``.

    Godard et al., CVPR 2017, eq. 4; ``d* = d / mean(d)`` is the mean-normalised disparity
    of Wang et al., "Learning Depth from Monocular Videos using Direct Methods" (CVPR 2018),
    as used by Monodepth2 (ICCV 2019), Sec. 3.3.

    Args:
        disp (Tensor): ``(B, 1, H, W)`` disparity.
        img (Tensor): ``(B, C, H, W)`` image at the same resolution.
        normalise (bool): Divide the disparity by its per-image mean. Defaults to True.

    Returns:
        Tensor: scalar loss.
    """
    if normalise:
        disp = disp / (disp.mean(dim=(2, 3), keepdim=True) + 1e-7)
    grad_dx = (disp[..., :, :-1] - disp[..., :, 1:]).abs()
    grad_dy = (disp[..., :-1, :] - disp[..., 1:, :]).abs()
    img_dx = (img[..., :, :-1] - img[..., :, 1:]).abs().mean(dim=1, keepdim=True)
    img_dy = (img[..., :-1, :] - img[..., 1:, :]).abs().mean(dim=1, keepdim=True)
    return _mean(grad_dx * torch.exp(-img_dx)) + _mean(grad_dy * torch.exp(-img_dy))


def _mean(x: Tensor) -> Tensor:
    """Mean that is 0 (not NaN) for an empty tensor (a one-pixel-wide map)."""
    return x.sum() / max(x.numel(), 1)


@MODELS.register_module()
class EdgeAwareSmoothnessLoss(nn.Module):
    """Multi-scale edge-aware smoothness of mean-normalised disparity.

    Each scale's disparity is compared with the image area-resized to its resolution (the
    scale ``r`` is derived from the widths); the N scales are combined by
    :func:`reduce_scales` with ``w_r = 2^-r / N`` (Monodepth2: each scale's smoothness
    weighted by ``1 / 2^r``, then the mean over scales) and multiplied by ``loss_weight``
    (Monodepth2 uses 1e-3).

    Args:
        loss_weight (float): Multiplier. Defaults to 1e-3.
        normalise (bool): Mean-normalise the disparity. Defaults to True.
        loss_name (str): Key in the loss dict. Defaults to 'loss_smoothness'.
    """

    def __init__(
        self, loss_weight: float = 1e-3, normalise: bool = True, loss_name: str = 'loss_smoothness'
    ):
        super().__init__()
        self.loss_weight = loss_weight
        self.normalise = normalise
        self._loss_name = loss_name

    @staticmethod
    def scale_weights(scales: Sequence[int]) -> List[float]:
        """``2^-r / N`` for each of the N decoder scales ``r`` (see :func:`reduce_scales`)."""
        return [w / len(scales) for w in halving_weights(scales)]

    def forward(self, disps: Union[Tensor, Sequence[Tensor]], img: Tensor) -> Tensor:
        """Compute the loss.

        Args:
            disps (Tensor | Sequence[Tensor]): ``(B, 1, h_s, w_s)`` disparity per scale.
            img (Tensor): ``(B, C, H, W)`` full-resolution image (not colour-augmented).

        Returns:
            Tensor: weighted scalar loss.
        """
        if isinstance(disps, Tensor):
            disps = [disps]
        terms, scales = [], []
        for disp in disps:
            size = disp.shape[-2:]
            scaled = img if img.shape[-2:] == size else F.interpolate(img, size=size, mode='area')
            scales.append(round(math.log2(img.shape[-1] / size[-1])))
            terms.append(edge_aware_smoothness(disp, scaled, self.normalise))
        return self.loss_weight * reduce_scales(terms, self.scale_weights(scales))

    @property
    def loss_name(self) -> str:
        """str: Key of this loss in the loss dict."""
        return self._loss_name
