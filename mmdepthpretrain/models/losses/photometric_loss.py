"""Photometric error, and the reprojection loss with per-pixel minimum and auto-masking."""

from typing import List, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmseg.models.losses.utils import weight_reduce_loss
from mmseg.registry import MODELS
from torch import Tensor

from ..utils.precision import full_precision
from ..utils.ssim import ssim_dissimilarity
from .utils import reduce_scales

__all__ = ['photometric_error', 'reprojection_loss', 'PhotometricReprojectionLoss']


@full_precision
def photometric_error(
    pred: Tensor, target: Tensor, ssim_weight: float = 0.85, l1_weight: Optional[float] = None
) -> Tensor:
    """Per-pixel ``a (1 - SSIM) / 2 + b |pred - target|``, each term averaged over channels.

    Godard et al., "Unsupervised Monocular Depth Estimation with Left-Right Consistency"
    (CVPR 2017), eq. 3, with ``a = 0.85, b = 1 - a = 0.15`` as in Monodepth2 (ICCV 2019),
    eq. 1. The one photometric error of the package: the depth reprojection loss and the
    flow loss both use it. The flow baseline's text (Lao et al., appendix B.3) writes
    ``lambda_co |x - x_hat| + lambda_st (1 - SSIM)`` with ``lambda_co = lambda_st = 0.15``;
    since the SSIM term here is halved, that is ``ssim_weight=0.3, l1_weight=0.15``.

    Args:
        pred (Tensor): ``(..., C, H, W)`` synthesised image in [0, 1].
        target (Tensor): ``(..., C, H, W)`` target image, broadcastable to ``pred``.
        ssim_weight (float): Weight ``a`` of the halved SSIM dissimilarity. Defaults to 0.85.
        l1_weight (float, optional): Weight ``b`` of the L1 term. Defaults to None
            (``1 - ssim_weight``).

    Returns:
        Tensor: ``(..., H, W)`` error.
    """
    if l1_weight is None:
        l1_weight = 1 - ssim_weight
    l1 = l1_weight * (pred - target).abs().mean(dim=-3)
    if ssim_weight == 0:
        return l1
    ssim = ssim_dissimilarity(pred, target).mean(dim=-3)
    return ssim_weight * ssim + l1


@full_precision
def reprojection_loss(
    warped: Tensor,
    target: Tensor,
    sources: Optional[Tensor] = None,
    ssim_weight: float = 0.85,
    automask: bool = True,
    automask_noise: float = 1e-5,
    average_sources: bool = False,
    weight: Optional[Tensor] = None,
    reduction: str = 'mean',
    avg_factor: Optional[float] = None,
    return_mask: bool = False,
) -> Union[Tensor, Tuple[Tensor, Tensor]]:
    """Minimum photometric error over source views, with identity auto-masking.

    Monodepth2 (Godard et al., ICCV 2019): eq. 4 (per-pixel minimum over sources) and
    eq. 5 (auto-masking: the error of the unwarped sources competes in the minimum, with
    ``automask_noise * N(0, 1)`` added to break ties, so pixels that do not move relative
    to the camera are ignored). The per-pixel error is :func:`photometric_error`.

    Args:
        warped (Tensor): ``(B, D, S, C, H, W)`` views of the S sources synthesised with D
            depth maps (scales, all at input resolution), or ``(B, S, C, H, W)``.
        target (Tensor): ``(B, C, H, W)`` target image.
        sources (Tensor, optional): ``(B, S, C, H, W)`` unwarped sources for auto-masking.
            Defaults to None (no auto-masking).
        ssim_weight (float): SSIM weight of :func:`photometric_error` (L1 gets the rest).
            Defaults to 0.85.
        automask (bool): Use the identity errors. Defaults to True.
        automask_noise (float): Std of the noise added to identity errors. Defaults to 1e-5.
        average_sources (bool): Average over sources instead of the minimum.
            Defaults to False.
        weight (Tensor, optional): Per-pixel weight of the ``(B, D, H, W)`` error, with
            the same number of dimensions. Defaults to None.
        reduction (str): 'none' returns the ``(B, D, H, W)`` minimum error, 'mean' and
            'sum' reduce it over all pixels and scales (mmseg's ``weight_reduce_loss``).
            Defaults to 'mean'.
        avg_factor (float, optional): Divisor of the sum for 'mean'. Defaults to None
            (the number of elements).
        return_mask (bool): Also return the ``(B, D, 1, H, W)`` mask of pixels whose
            minimum came from a warped view (not masked out). Defaults to False.

    Returns:
        Tensor | tuple[Tensor, Tensor]: the reduced loss (and the mask).
    """
    if warped.dim() == 5:
        warped = warped.unsqueeze(1)
    b, d, s = warped.shape[:3]
    err = photometric_error(warped, target[:, None, None], ssim_weight)  # (B, D, S, H, W)
    if average_sources:
        err = err.mean(dim=2, keepdim=True)
    n_identity = 0
    if automask and sources is not None:
        ident = photometric_error(sources, target[:, None], ssim_weight)  # (B, S, H, W)
        if average_sources:
            ident = ident.mean(dim=1, keepdim=True)
        ident = ident[:, None].expand(b, d, *ident.shape[1:])
        if automask_noise > 0:
            ident = ident + automask_noise * torch.randn_like(ident)
        n_identity = ident.shape[2]
        err = torch.cat([ident, err], dim=2)
    min_err, idx = err.min(dim=2)
    loss = weight_reduce_loss(min_err, weight, reduction, avg_factor)
    if return_mask:
        return loss, (idx >= n_identity).unsqueeze(2)
    return loss


@MODELS.register_module()
class PhotometricReprojectionLoss(nn.Module):
    """Photometric reprojection loss (SSIM + L1, minimum over sources, auto-masking).

    Each depth scale's loss is the mean of :func:`reprojection_loss`'s per-pixel error;
    the scales are combined by :func:`reduce_scales` with ``w_r = 1 / D`` (the mean over
    the D scales, Monodepth2).

    Args:
        ssim_weight (float): Weight of the SSIM term (L1 gets ``1 - ssim_weight``).
            Defaults to 0.85.
        automask (bool): Identity auto-masking. Defaults to True.
        automask_noise (float): Tie-breaking noise of identity errors. Defaults to 1e-5.
        average_sources (bool): Average over sources instead of the per-pixel minimum.
            Defaults to False.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        loss_name (str): Key in the loss dict. Defaults to 'loss_photometric'.
    """

    def __init__(
        self,
        ssim_weight: float = 0.85,
        automask: bool = True,
        automask_noise: float = 1e-5,
        average_sources: bool = False,
        loss_weight: float = 1.0,
        loss_name: str = 'loss_photometric',
    ):
        super().__init__()
        self.ssim_weight = ssim_weight
        self.automask = automask
        self.automask_noise = automask_noise
        self.average_sources = average_sources
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    @staticmethod
    def scale_weights(num_scales: int) -> List[float]:
        """``1 / D`` for each of the ``D`` depth scales (see :func:`reduce_scales`)."""
        return [1.0 / num_scales] * num_scales

    def forward(self, warped: Tensor, target: Tensor, sources: Optional[Tensor] = None) -> Tensor:
        """Compute the loss.

        Args:
            warped (Tensor): ``(B, D, S, C, H, W)`` or ``(B, S, C, H, W)`` warped sources.
            target (Tensor): ``(B, C, H, W)`` target image.
            sources (Tensor, optional): ``(B, S, C, H, W)`` unwarped sources.

        Returns:
            Tensor: weighted scalar loss.
        """
        err = reprojection_loss(
            warped,
            target,
            sources,
            ssim_weight=self.ssim_weight,
            automask=self.automask,
            automask_noise=self.automask_noise,
            average_sources=self.average_sources,
            reduction='none',
        )  # (B, D, H, W)
        terms = err.mean(dim=(0, 2, 3)).unbind()
        return self.loss_weight * reduce_scales(terms, self.scale_weights(len(terms)))

    @property
    def loss_name(self) -> str:
        """str: Key of this loss in the loss dict."""
        return self._loss_name
