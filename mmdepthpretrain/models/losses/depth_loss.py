"""Masked L1 loss against sparse or dense depth."""

from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from ..utils.precision import full_precision

__all__ = ['masked_l1_depth', 'MaskedL1DepthLoss']


@full_precision
def masked_l1_depth(pred: Tensor, gt: Tensor, max_depth: Optional[float] = None) -> Tensor:
    """Mean absolute depth error over valid ground-truth pixels.

    Lao et al., "On the Viability of Monocular Depth Pre-training for Semantic
    Segmentation", eq. 14: ``sum 1(z > 0) |phi(x) - z|``, normalised here by the number of
    valid pixels of the batch. Ground truth is valid where it is finite and positive (and
    not above ``max_depth`` when given). With no valid pixel the loss is a graph-connected 0.

    Args:
        pred (Tensor): ``(B, ..., H, W)`` predicted depth.
        gt (Tensor): ground-truth depth broadcastable to ``pred``, 0 = unknown.
        max_depth (float, optional): Ignore ground truth beyond this. Defaults to None.

    Returns:
        Tensor: scalar loss.
    """
    gt = gt.to(pred.dtype).expand_as(pred)
    valid = torch.isfinite(gt) & (gt > 0)
    if max_depth is not None:
        valid = valid & (gt <= max_depth)
    diff = (pred - torch.where(valid, gt, pred.detach())).abs()
    return diff.sum() / valid.sum().clamp(min=1)


@MODELS.register_module()
class MaskedL1DepthLoss(nn.Module):
    """Masked L1 depth loss, averaged over prediction scales.

    Predictions whose size differs from the ground truth are resized bilinearly to it, so
    sparse lidar keeps every point.

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

    def forward(self, pred: Tensor, gt: Tensor) -> Tensor:
        """Compute the loss.

        Args:
            pred (Tensor): ``(B, D, 1, H, W)`` depth of D scales or ``(B, 1, H, W)``.
            gt (Tensor): ``(B, 1, H', W')`` ground-truth depth (0 = unknown).

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
        return self.loss_weight * masked_l1_depth(pred, gt[:, None], self.max_depth)

    @property
    def loss_name(self) -> str:
        """str: Key of this loss in the loss dict."""
        return self._loss_name
