"""Masked L1 image-reconstruction loss of the inpainting pre-training baseline."""

from typing import List, Optional, Sequence, Union

import torch.nn as nn
import torch.nn.functional as F
from mmseg.models.losses.utils import weight_reduce_loss
from mmseg.registry import MODELS
from torch import Tensor

from ..utils.precision import full_precision
from .utils import halving_weights, reduce_scales

__all__ = ['masked_l1_reconstruction', 'MaskedReconstructionLoss']


@full_precision
def masked_l1_reconstruction(
    pred: Tensor, target: Tensor, mask: Tensor, unmasked_weight: float = 0.0
) -> Tensor:
    """``mean_{masked} |pred - target| + unmasked_weight * mean_{unmasked} |pred - target|``.

    Means are over pixels and colour channels; a term whose pixel set is empty is 0. Each
    term is the per-pixel error weighted by its pixel set and averaged over the set's size
    (mmseg's ``weight_reduce_loss`` with ``avg_factor``). Context encoders (Pathak et al.,
    CVPR 2016) reconstruct the removed region; MAE (He et al., CVPR 2022) likewise computes
    its loss on masked patches only, i.e. ``unmasked_weight = 0``.

    Args:
        pred (Tensor): ``(B, C, H, W)`` reconstruction.
        target (Tensor): ``(B, C, H, W)`` original image.
        mask (Tensor): ``(B, 1, H, W)``, 1 where the input was removed.
        unmasked_weight (float): Weight of the visible pixels' term. Defaults to 0.

    Returns:
        Tensor: scalar loss.
    """
    err = (pred - target).abs().mean(dim=1, keepdim=True)
    mask = mask.to(err.dtype)
    loss = weight_reduce_loss(err, mask, 'mean', mask.sum().clamp(min=1.0))
    if unmasked_weight:
        keep = 1.0 - mask
        loss = loss + unmasked_weight * weight_reduce_loss(
            err, keep, 'mean', keep.sum().clamp(min=1.0)
        )
    return loss


@MODELS.register_module()
class MaskedReconstructionLoss(nn.Module):
    """Multi-scale masked L1 reconstruction loss.

    Each scale's reconstruction is upsampled (bilinear) to the target size and scored with
    :func:`masked_l1_reconstruction`; the scales are combined by :func:`reduce_scales` with
    ``w_r = 2^-r / sum_s 2^-s`` (weights halving per scale and summing to 1, so a single
    scale gives the plain masked L1).

    Args:
        unmasked_weight (float): Weight of the visible pixels. Defaults to 0.
        loss_weight (float): Multiplier. Defaults to 1.0.
        loss_name (str): Key in the loss dict. Defaults to 'loss_recon'.
    """

    def __init__(
        self, unmasked_weight: float = 0.0, loss_weight: float = 1.0, loss_name: str = 'loss_recon'
    ):
        super().__init__()
        self.unmasked_weight = unmasked_weight
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    @staticmethod
    def scale_weights(scales: Sequence[int]) -> List[float]:
        """``2^-r / sum_s 2^-s`` for each decoder scale ``r`` (see :func:`reduce_scales`)."""
        weights = halving_weights(scales)
        norm = sum(weights)
        return [w / norm for w in weights]

    def forward(
        self,
        preds: Union[Tensor, Sequence[Tensor]],
        target: Tensor,
        mask: Tensor,
        scales: Optional[Sequence[int]] = None,
    ) -> Tensor:
        """Compute the loss.

        Args:
            preds (Tensor | Sequence[Tensor]): ``(B, 3, h_r, w_r)`` per scale.
            target (Tensor): ``(B, 3, H, W)`` image.
            mask (Tensor): ``(B, 1, H, W)`` removed pixels.
            scales (Sequence[int], optional): Scale of each prediction. Defaults to
                ``0, 1, ...``.

        Returns:
            Tensor: weighted scalar loss.
        """
        if isinstance(preds, Tensor):
            preds = [preds]
        scales = list(range(len(preds))) if scales is None else list(scales)
        if len(scales) != len(preds):
            raise ValueError(
                f'MaskedReconstructionLoss: {len(preds)} reconstructions but scales={scales}'
            )
        terms = []
        for pred in preds:
            if pred.shape[-2:] != target.shape[-2:]:
                pred = F.interpolate(
                    pred, size=target.shape[-2:], mode='bilinear', align_corners=False
                )
            terms.append(masked_l1_reconstruction(pred, target, mask, self.unmasked_weight))
        return self.loss_weight * reduce_scales(terms, self.scale_weights(scales))

    @property
    def loss_name(self) -> str:
        """str: Key of this loss in the loss dict."""
        return self._loss_name
