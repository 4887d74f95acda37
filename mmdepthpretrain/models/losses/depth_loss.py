"""Masked L1 loss against sparse or dense depth."""

from typing import List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.models.losses.utils import weight_reduce_loss
from mmseg.registry import MODELS
from torch import Tensor

from ..utils.precision import full_precision
from .utils import reduce_scales

__all__ = ['masked_l1_depth', 'MaskedL1DepthLoss']


@full_precision
def masked_l1_depth(
    pred: Tensor,
    gt: Tensor,
    max_depth: Optional[float] = None,
    weight: Optional[Tensor] = None,
    reduction: str = 'mean',
    avg_factor: Optional[float] = None,
) -> Tensor:
    """Mean absolute depth error over valid ground-truth pixels.

    Lao et al., "On the Viability of Monocular Depth Pre-training for Semantic
    Segmentation", eq. 14: ``sum 1(z > 0) |phi(x) - z|``, normalised here by the number of
    valid pixels. Ground truth is valid where it is finite and positive (and not above
    ``max_depth`` when given); invalid pixels contribute 0. With no valid pixel the loss is
    a graph-connected 0.

    Args:
        pred (Tensor): ``(B, ..., H, W)`` predicted depth.
        gt (Tensor): ground-truth depth broadcastable to ``pred``, 0 = unknown.
        max_depth (float, optional): Ignore ground truth beyond this. Defaults to None.
        weight (Tensor, optional): Per-pixel weight with the dimensions of ``pred``.
            Defaults to None.
        reduction (str): 'none' (per-pixel error, 0 where invalid), 'mean' or 'sum'.
            Defaults to 'mean'.
        avg_factor (float, optional): Divisor of the sum for 'mean'. Defaults to None (the
            number of valid pixels, at least 1).

    Returns:
        Tensor: the reduced loss.
    """
    gt = gt.to(pred.dtype).expand_as(pred)
    valid = torch.isfinite(gt) & (gt > 0)
    if max_depth is not None:
        valid = valid & (gt <= max_depth)
    diff = (pred - torch.where(valid, gt, pred.detach())).abs()
    if avg_factor is None and reduction == 'mean':
        avg_factor = valid.sum().clamp(min=1)
    return weight_reduce_loss(diff, weight, reduction, avg_factor)


@MODELS.register_module()
class MaskedL1DepthLoss(nn.Module):
    """Masked L1 depth loss of every prediction scale.

    Predictions whose size differs from the ground truth are resized bilinearly to it, so
    sparse lidar keeps every point. Each scale's :func:`masked_l1_depth` is one term; the
    D scales are combined by :func:`reduce_scales` with ``w_r = 1 / D`` (their mean).

    Args:
        max_depth (float, optional): Ignore ground truth beyond this. Defaults to None.
        loss_weight (float): Multiplier. Defaults to 1.0.
        loss_name (str): Key in the loss dict. Defaults to 'loss_depth'.
    """

    def __init__(
        self,
        max_depth: Optional[float] = None,
        loss_weight: float = 1.0,
        loss_name: str = 'loss_depth',
    ):
        super().__init__()
        self.max_depth = max_depth
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    @staticmethod
    def scale_weights(num_scales: int) -> List[float]:
        """``1 / D`` for each of the ``D`` scales (see :func:`reduce_scales`)."""
        return [1.0 / num_scales] * num_scales

    def forward(self, pred: Tensor, gt: Tensor, weight: Optional[Tensor] = None) -> Tensor:
        """Compute the loss.

        Args:
            pred (Tensor): ``(B, D, 1, H, W)`` depth of D scales or ``(B, 1, H, W)``.
            gt (Tensor): ``(B, 1, H', W')`` ground-truth depth (0 = unknown).
            weight (Tensor, optional): ``(B, 1, H', W')`` per-pixel weight shared by the
                scales. Defaults to None.

        Returns:
            Tensor: weighted scalar loss.
        """
        if pred.dim() == 4:
            pred = pred.unsqueeze(1)
        b, d = pred.shape[:2]
        if pred.shape[-2:] != gt.shape[-2:]:
            pred = F.interpolate(
                pred.flatten(0, 1), size=gt.shape[-2:], mode='bilinear', align_corners=False
            ).reshape(b, d, 1, *gt.shape[-2:])
        terms = [masked_l1_depth(p, gt, self.max_depth, weight) for p in pred.unbind(1)]
        return self.loss_weight * reduce_scales(terms, self.scale_weights(d))

    @property
    def loss_name(self) -> str:
        """str: Key of this loss in the loss dict."""
        return self._loss_name
