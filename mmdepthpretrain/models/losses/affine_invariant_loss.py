"""Affine-invariant loss on inverse depth (relative depth models such as Depth Anything)."""

from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from ..utils.precision import full_precision

__all__ = ['affine_invariant_disparity', 'AffineInvariantDepthLoss']


def _normalise(d: Tensor) -> Tensor:
    """``(d - t(d)) / s(d)``: ``t`` the median, ``s`` the mean absolute deviation from it."""
    t = d.median()
    s = (d - t).abs().mean().clamp(min=1e-6)
    return (d - t) / s


@full_precision
def affine_invariant_disparity(pred: Tensor, gt_depth: Tensor,
                               max_depth: Optional[float] = None) -> Tensor:
    """Scale-and-shift-invariant mean absolute error between inverse depths.

    Ranftl et al., "Towards Robust Monocular Depth Estimation: Mixing Datasets for
    Zero-shot Cross-dataset Transfer", TPAMI 2022, eqs. 5-7, the loss Depth Anything
    trains with (Yang et al., CVPR 2024, eq. 1): per image, over the ``M`` valid pixels,
    ``d_hat = (d - t(d)) / s(d)`` with ``t(d) = median(d)`` (the lower middle value for
    even ``M``, as ``torch.median``) and ``s(d) = mean |d - t(d)|``, for the prediction and
    for the target ``d* = 1 / z`` (ground-truth depth ``z``); the loss is
    ``mean |d_hat - d_hat*|``, averaged over images with a valid pixel. Valid: finite,
    ``z > 0`` (and ``z <= max_depth`` when given). An image without one contributes
    nothing; a batch without one gives a graph-connected 0.

    Args:
        pred (Tensor): ``(B, 1, H, W)`` predicted (relative) inverse depth.
        gt_depth (Tensor): ``(B, 1, H, W)`` ground-truth depth, 0 = unknown.
        max_depth (float, optional): Ignore ground truth beyond this. Defaults to None.

    Returns:
        Tensor: scalar loss.
    """
    gt_depth = gt_depth.to(pred.dtype)
    valid = torch.isfinite(gt_depth) & (gt_depth > 0)
    if max_depth is not None:
        valid &= gt_depth <= max_depth
    terms = []
    for p, z, m in zip(pred, gt_depth, valid):
        if int(m.sum()) == 0:
            continue
        terms.append((_normalise(p[m]) - _normalise(1.0 / z[m])).abs().mean())
    if not terms:
        return pred.sum() * 0.0
    return torch.stack(terms).mean()


@MODELS.register_module()
class AffineInvariantDepthLoss(nn.Module):
    """:func:`affine_invariant_disparity` as a loss module of a depth head.

    A prediction whose size differs from the ground truth is resized bilinearly to it.

    Args:
        max_depth (float, optional): Ignore ground truth beyond this. Defaults to None.
        loss_weight (float): Multiplier. Defaults to 1.0.
        loss_name (str): Key in the loss dict. Defaults to 'loss_ssi'.
    """

    def __init__(self, max_depth: Optional[float] = None, loss_weight: float = 1.0,
                 loss_name: str = 'loss_ssi'):
        super().__init__()
        self.max_depth = max_depth
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self, pred: Tensor, gt: Tensor) -> Tensor:
        """Loss of ``(B, 1, H, W)`` inverse depth against ``(B, 1, H', W')`` depth."""
        if pred.shape[-2:] != gt.shape[-2:]:
            pred = F.interpolate(pred, size=gt.shape[-2:], mode='bilinear',
                                 align_corners=False)
        return self.loss_weight * affine_invariant_disparity(pred, gt, self.max_depth)

    @property
    def loss_name(self) -> str:
        """str: Key of this loss in the loss dict."""
        return self._loss_name
