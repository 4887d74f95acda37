"""Photometric and smoothness losses of the siamese optical-flow baseline.

The source frame is backward-warped with the flow by
:func:`~mmdepthpretrain.models.utils.geometry.flow_warp` (the warp direction is stated
there) and compared with the target by the package's one :func:`photometric_error`.
"""

import math
from typing import List, Optional, Sequence, Union

import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from .photometric_loss import photometric_error
from .smoothness_loss import edge_aware_smoothness
from .utils import halving_weights, reduce_scales

__all__ = ['FlowPhotometricLoss', 'FlowSmoothnessLoss']


@MODELS.register_module()
class FlowPhotometricLoss(nn.Module):
    """Multi-scale photometric loss of flow-warped images.

    ``sum_r w_r mean_p e(x_hat_r(p), x_r(p))`` with ``e`` the :func:`photometric_error`
    ``l1_weight |x_hat - x| + ssim_weight (1 - SSIM) / 2`` and ``w_r = 1 / 2^r`` (combined by
    :func:`reduce_scales`) for the reconstruction made with the flow of decoder scale ``r``
    (at that scale's resolution or upsampled to the input size, see
    :class:`FlowSiameseEstimator`). The defaults are the paper's public script
    (0.15 L1 + 0.85 SSIM, as Monodepth2); its text's ``lambda_co = lambda_st = 0.15`` is
    ``ssim_weight=0.3``.

    Args:
        l1_weight (float): L1 weight (lambda_co). Defaults to 0.15.
        ssim_weight (float): Weight of ``(1 - SSIM) / 2``. Defaults to 0.85.
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

    @staticmethod
    def scale_weights(scales: Sequence[int]) -> List[float]:
        """``1 / 2^r`` for each decoder scale ``r`` (see :func:`reduce_scales`)."""
        return halving_weights(scales)

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
        terms = [
            photometric_error(pred, target, self.ssim_weight, self.l1_weight).mean()
            for pred, target in zip(warped, targets)
        ]
        return self.loss_weight * reduce_scales(terms, self.scale_weights(scales))

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
    that resolution, averaged over both components; the scales are combined by
    :func:`reduce_scales` with ``w_r = 1 / 2^r`` (Lao et al., appendix B.3:
    ``lambda_sm = 5`` in the text, 2.0 in the public script). Like Monodepth2's smoothness
    on its (mean-normalised) network output, the term acts on the network's output units;
    in pixels (per pixel) it would be about ``W`` times larger and overwhelm the
    photometric term at these weights.

    Args:
        loss_weight (float): ``lambda_sm``. Defaults to 2.0.
        loss_name (str): Key in the loss dict. Defaults to 'loss_smoothness'.
    """

    def __init__(self, loss_weight: float = 2.0, loss_name: str = 'loss_smoothness'):
        super().__init__()
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    @staticmethod
    def scale_weights(scales: Sequence[int]) -> List[float]:
        """``1 / 2^r`` for each decoder scale ``r`` (see :func:`reduce_scales`)."""
        return halving_weights(scales)

    def forward(self, flows: Union[Tensor, Sequence[Tensor]], img: Tensor) -> Tensor:
        """Compute the loss.

        Args:
            flows (Tensor | Sequence[Tensor]): ``(B, 2, h_r, w_r)`` flow per scale in
                image-size units (``u / W, v / H``, see :class:`FlowHead`); the scale
                ``r`` is derived from the widths.
            img (Tensor): ``(B, C, H, W)`` target image (not colour-augmented).

        Returns:
            Tensor: weighted scalar loss.
        """
        if isinstance(flows, Tensor):
            flows = [flows]
        terms, scales = [], []
        for flow in flows:
            h, w = flow.shape[-2:]
            scaled = (
                img if img.shape[-2:] == (h, w) else F.interpolate(img, size=(h, w), mode='area')
            )
            scales.append(max(round(math.log2(img.shape[-1] / w)), 0))
            terms.append(edge_aware_smoothness(flow, scaled, normalise=False))
        return self.loss_weight * reduce_scales(terms, self.scale_weights(scales))

    @property
    def loss_name(self) -> str:
        """str: Key of this loss in the loss dict."""
        return self._loss_name
