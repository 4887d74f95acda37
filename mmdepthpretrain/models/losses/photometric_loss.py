"""Photometric reprojection loss with per-pixel minimum and auto-masking."""

from typing import Optional, Tuple, Union

import torch
import torch.nn as nn
from mmseg.registry import MODELS
from torch import Tensor

from ..utils.precision import full_precision
from ..utils.ssim import ssim_dissimilarity

__all__ = ['photometric_error', 'reprojection_loss', 'PhotometricReprojectionLoss']


@full_precision
def photometric_error(pred: Tensor, target: Tensor, ssim_weight: float = 0.85) -> Tensor:
    """Per-pixel ``a (1 - SSIM) / 2 + (1 - a) |pred - target|`` averaged over channels.

    Godard et al., "Unsupervised Monocular Depth Estimation with Left-Right Consistency"
    (CVPR 2017), eq. 3, with ``a = 0.85`` as in Monodepth2 (ICCV 2019), eq. 1.

    Args:
        pred (Tensor): ``(..., C, H, W)`` synthesised image in [0, 1].
        target (Tensor): ``(..., C, H, W)`` target image, broadcastable to ``pred``.
        ssim_weight (float): Weight ``a`` of the SSIM term. Defaults to 0.85.

    Returns:
        Tensor: ``(..., H, W)`` error.
    """
    l1 = (pred - target).abs().mean(dim=-3)
    if ssim_weight == 0:
        return l1
    ssim = ssim_dissimilarity(pred, target).mean(dim=-3)
    return ssim_weight * ssim + (1 - ssim_weight) * l1


@full_precision
def reprojection_loss(
    warped: Tensor,
    target: Tensor,
    sources: Optional[Tensor] = None,
    ssim_weight: float = 0.85,
    automask: bool = True,
    automask_noise: float = 1e-5,
    average_sources: bool = False,
    return_mask: bool = False,
) -> Union[Tensor, Tuple[Tensor, Tensor]]:
    """Minimum photometric error over source views, with identity auto-masking.

    Monodepth2 (Godard et al., ICCV 2019): eq. 4 (per-pixel minimum over sources) and
    eq. 5 (auto-masking: the error of the unwarped sources competes in the minimum, with
    ``automask_noise * N(0, 1)`` added to break ties, so pixels that do not move relative
    to the camera are ignored). The result is averaged over pixels, batch and scales.

    Args:
        warped (Tensor): ``(B, D, S, C, H, W)`` views of the S sources synthesised with D
            depth maps (scales, all at input resolution), or ``(B, S, C, H, W)``.
        target (Tensor): ``(B, C, H, W)`` target image.
        sources (Tensor, optional): ``(B, S, C, H, W)`` unwarped sources for auto-masking.
            Defaults to None (no auto-masking).
        ssim_weight (float): SSIM weight of :func:`photometric_error`. Defaults to 0.85.
        automask (bool): Use the identity errors. Defaults to True.
        automask_noise (float): Std of the noise added to identity errors. Defaults to 1e-5.
        average_sources (bool): Average over sources instead of the minimum.
            Defaults to False.
        return_mask (bool): Also return the ``(B, D, 1, H, W)`` mask of pixels whose
            minimum came from a warped view (not masked out). Defaults to False.

    Returns:
        Tensor | tuple[Tensor, Tensor]: scalar loss (and the mask).
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
    loss = min_err.mean()
    if return_mask:
        return loss, (idx >= n_identity).unsqueeze(2)
    return loss


@MODELS.register_module()
class PhotometricReprojectionLoss(nn.Module):
    """Photometric reprojection loss (SSIM + L1, minimum over sources, auto-masking).

    See :func:`reprojection_loss`.

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

    def forward(self, warped: Tensor, target: Tensor, sources: Optional[Tensor] = None) -> Tensor:
        """Compute the loss.

        Args:
            warped (Tensor): ``(B, D, S, C, H, W)`` or ``(B, S, C, H, W)`` warped sources.
            target (Tensor): ``(B, C, H, W)`` target image.
            sources (Tensor, optional): ``(B, S, C, H, W)`` unwarped sources.

        Returns:
            Tensor: weighted scalar loss.
        """
        loss = reprojection_loss(
            warped,
            target,
            sources,
            self.ssim_weight,
            self.automask,
            self.automask_noise,
            self.average_sources,
        )
        return self.loss_weight * loss

    @property
    def loss_name(self) -> str:
        """str: Key of this loss in the loss dict."""
        return self._loss_name
