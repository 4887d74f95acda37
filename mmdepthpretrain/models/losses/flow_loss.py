"""Photometric and smoothness losses of the siamese optical-flow baseline.

The source frame is backward-warped with the flow by
:func:`~mmdepthpretrain.models.utils.geometry.flow_warp` (the warp direction is stated
there).
"""

import math
from typing import Optional, Sequence, Union

import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from ..utils.precision import full_precision
from ..utils.ssim import ssim_dissimilarity
from .smoothness_loss import edge_aware_smoothness

__all__ = [
    'flow_photometric_error',
    'FlowPhotometricLoss',
    'FlowSmoothnessLoss',
    'scale_weight',
]


def scale_weight(scale: int) -> float:
    """Weight ``1 / 2^r`` of decoder scale ``r`` (Lao et al., appendix B.3)."""
    return 1.0 / 2**scale


@full_precision
def flow_photometric_error(
    pred: Tensor, target: Tensor, l1_weight: float = 0.15, ssim_weight: float = 0.85
) -> Tensor:
    """Per-pixel ``l1_weight |pred - target| + ssim_weight (1 - SSIM) / 2``, channel mean.

    With the defaults this is the photometric error of Godard et al. (CVPR 2017, eq. 3;
    ICCV 2019, eq. 1), which the paper's public flow script uses (0.15 L1 + 0.85 SSIM).
    The paper's text (appendix B.3) writes ``lambda_co |x - x_hat| + lambda_st (1 - SSIM)``
    with ``lambda_co = lambda_st = 0.15``; since the SSIM term here is halved, that is
    ``l1_weight=0.15, ssim_weight=0.3``.

    Args:
        pred (Tensor): ``(..., C, H, W)`` reconstruction in [0, 1].
        target (Tensor): ``(..., C, H, W)`` target, broadcastable to ``pred``.
        l1_weight (float): Weight of the L1 term. Defaults to 0.15.
        ssim_weight (float): Weight of the halved SSIM dissimilarity. Defaults to 0.85.

    Returns:
        Tensor: ``(..., H, W)`` error.
    """
    err = l1_weight * (pred - target).abs().mean(dim=-3)
    if ssim_weight:
        err = err + ssim_weight * ssim_dissimilarity(pred, target).mean(dim=-3)
    return err


@MODELS.register_module()
class FlowPhotometricLoss(nn.Module):
    """Multi-scale photometric loss of flow-warped images.

    ``sum_r w_r mean_p e(x_hat_r(p), x_r(p))`` with ``e`` from
    :func:`flow_photometric_error` and ``w_r = 1 / 2^r`` for the reconstruction made with
    the flow of decoder scale ``r`` (at that scale's resolution or upsampled to the input
    size, see :class:`FlowSiameseEstimator`).

    Args:
        l1_weight (float): L1 weight (lambda_co). Defaults to 0.15.
        ssim_weight (float): Weight of ``(1 - SSIM) / 2``. Defaults to 0.85 (the public
            script); the paper's text corresponds to 0.3 (see
            :func:`flow_photometric_error`).
        loss_weight (float): Multiplier. Defaults to 1.0.
        loss_name (str): Key in the loss dict. Defaults to 'loss_photometric'.
    """

    def __init__(
        self,
        l1_weight: float = 0.15,
        ssim_weight: float = 0.85,
        loss_weight: float = 1.0,
        loss_name: str = 'loss_photometric',
    ):
        super().__init__()
        self.l1_weight = l1_weight
        self.ssim_weight = ssim_weight
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(
        self,
        warped: Union[Tensor, Sequence[Tensor]],
        targets: Union[Tensor, Sequence[Tensor]],
        scales: Optional[Sequence[int]] = None,
    ) -> Tensor:
        """Compute the loss.

        Args:
            warped (Tensor | Sequence[Tensor]): ``(B, C, h_r, w_r)`` reconstruction per
                scale (or one tensor for one scale).
            targets (Tensor | Sequence[Tensor]): The matching targets, one per scale, or a
                single ``(B, C, H, W)`` target shared by all (reconstructions at the
                input size).
            scales (Sequence[int], optional): Decoder scale of each reconstruction.
                Defaults to ``0, 1, ..., D - 1``.

        Returns:
            Tensor: weighted scalar loss.
        """
        if isinstance(warped, Tensor):
            warped = [warped]
        if isinstance(targets, Tensor):
            targets = [targets] * len(warped)
        scales = list(range(len(warped))) if scales is None else list(scales)
        if not len(scales) == len(warped) == len(targets):
            raise ValueError(
                f'FlowPhotometricLoss: {len(warped)} reconstructions, '
                f'{len(targets)} targets and scales={scales} do not match'
            )
        total = 0.0
        for pred, target, s in zip(warped, targets, scales):
            err = flow_photometric_error(pred, target, self.l1_weight, self.ssim_weight)
            total = total + scale_weight(s) * err.mean()
        return self.loss_weight * total

    @property
    def loss_name(self) -> str:
        """str: Key of this loss in the loss dict."""
        return self._loss_name


@MODELS.register_module()
class FlowSmoothnessLoss(nn.Module):
    """Multi-scale edge-aware smoothness of both flow components.

    At every scale ``r`` the predicted flow, in the head's image-size units
    (``u / W``, ``v / H``, see :class:`FlowHead`), is penalised with the first-order
    edge-aware term of Godard et al. (CVPR 2017, eq. 4) against the image area-resized to
    that resolution, averaged over both components, weighted by ``1 / 2^r`` and summed
    (Lao et al., appendix B.3: ``lambda_sm = 5`` in the text, 2.0 in the public script).
    Like Monodepth2's smoothness on its (mean-normalised) network output, the term acts on
    the network's output units; in pixels (per pixel) it would be about ``W`` times larger
    and overwhelm the photometric term at these weights.

    Args:
        loss_weight (float): ``lambda_sm``. Defaults to 2.0.
        loss_name (str): Key in the loss dict. Defaults to 'loss_smoothness'.
    """

    def __init__(self, loss_weight: float = 2.0, loss_name: str = 'loss_smoothness'):
        super().__init__()
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self, flows: Union[Tensor, Sequence[Tensor]], img: Tensor) -> Tensor:
        """Compute the loss.

        Args:
            flows (Tensor | Sequence[Tensor]): ``(B, 2, h_r, w_r)`` flow per scale in
                image-size units (``u / W, v / H``, see :class:`FlowHead`).
            img (Tensor): ``(B, C, H, W)`` target image (not colour-augmented).

        Returns:
            Tensor: weighted scalar loss.
        """
        if isinstance(flows, Tensor):
            flows = [flows]
        total = 0.0
        for flow in flows:
            h, w = flow.shape[-2:]
            scaled = (
                img if img.shape[-2:] == (h, w) else F.interpolate(img, size=(h, w), mode='area')
            )
            scale = max(round(math.log2(img.shape[-1] / w)), 0)
            total = total + scale_weight(scale) * edge_aware_smoothness(
                flow, scaled, normalise=False
            )
        return self.loss_weight * total

    @property
    def loss_name(self) -> str:
        """str: Key of this loss in the loss dict."""
        return self._loss_name
