"""Siamese optical-flow pre-training baseline (photometric, self-supervised)."""

from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import ConfigType, OptConfigType, OptSampleList, SampleList
from torch import Tensor

from ..utils.geometry import flow_warp
from .base_pretrainer import BasePretrainer, ordered_frames

__all__ = ['FlowSiameseEstimator']

DEFAULT_PHOTOMETRIC_LOSS = dict(type='FlowPhotometricLoss')
DEFAULT_SMOOTHNESS_LOSS = dict(type='FlowSmoothnessLoss')


@MODELS.register_module()
class FlowSiameseEstimator(BasePretrainer):
    """Optical flow from two frames by a siamese encoder, trained photometrically.

    Lao et al., "On the Viability of Monocular Depth Pre-training for Semantic
    Segmentation", appendix B.3: one encoder with shared weights encodes frames ``t`` and
    ``t+1``; the features of every level are concatenated (target first) and decoded by
    the depth decoder family with two output channels (:class:`FlowHead`) into flow at
    several scales; the loss is a photometric error between a frame and the other frame
    warped by the flow, plus edge-aware smoothness of both flow components, each scale
    ``r`` weighted by ``1 / 2^r``. Only the encoder (``backbone.*``) is transferred to
    segmentation.

    Direction: ``frame_ids = (target, source)``. The flow is defined on the target's pixel
    grid and points into the source; the source is backward-warped,
    ``x_hat_target(p) = x_source(p + flow(p))`` (bilinear, border padding), and compared
    with the target. The default ``(0, 1)`` predicts the forward flow ``t -> t+1`` of the
    KITTI flow benchmark and of the synthetic world's ground truth (frame ``t`` is
    reconstructed from ``t+1``). The paper's wording, ``x_hat`` = ``x_t`` warped by ``f`` and
    compared with ``x_{t+1}``, is ``(1, 0)`` (flow ``t+1 -> t``); both train the same
    encoder on the same photometric signal.

    Units: the head predicts flow as a fraction of the image size (``u / W``, ``v / H``),
    so every scale's flow converts to pixels of its own resolution or of the input;
    ``predict`` returns pixels of the network input.

    Call graph::

        loss():    encode_pair() -> decode_head -> flows per scale (image units)
                   -> reconstruct() (flow_warp of the source per scale)
                   -> photometric_loss -> smoothness_loss
        predict(): encode_pair() -> decode_head -> finest flow in pixels -> pred_flow
        _forward(): encode_pair() -> decode_head (flows per scale, image units)

    Args:
        backbone (ConfigType): Encoder applied to each frame (e.g. ``DepthResNet``).
        decode_head (ConfigType): ``FlowHead`` with ``in_channels`` twice the encoder's.
        frame_ids (Sequence[int]): ``(target, source)``. Defaults to (0, 1).
        photometric_loss (ConfigType): Defaults to ``FlowPhotometricLoss`` (0.15 L1 +
            0.85 SSIM, the public script; the text's 0.15/0.15 is ``ssim_weight=0.3``).
        smoothness_loss (ConfigType, optional): Defaults to ``FlowSmoothnessLoss`` with
            weight 2.0 (public script; 5 in the text). None disables it.
        loss_resolution (str): 'scale' computes scale ``r``'s photometric term at that
            scale's resolution (images area-resized, the usual coarse-to-fine
            unsupervised-flow loss); 'input' upsamples every flow to the input size first
            (Monodepth2's choice for depth). Defaults to 'scale'.
        neck (OptConfigType): Optional neck applied to each frame's features.
            Defaults to None.
        train_cfg (OptConfigType): Unused. Defaults to None.
        test_cfg (OptConfigType): Unused. Defaults to None.
        data_preprocessor (OptConfigType): Defaults to :class:`MultiFrameDataPreProcessor`.
        init_cfg (OptConfigType): Initialisation config. Defaults to None.
    """

    def __init__(
        self,
        backbone: ConfigType,
        decode_head: ConfigType,
        frame_ids: Sequence[int] = (0, 1),
        photometric_loss: ConfigType = DEFAULT_PHOTOMETRIC_LOSS,
        smoothness_loss: OptConfigType = DEFAULT_SMOOTHNESS_LOSS,
        loss_resolution: str = 'scale',
        neck: OptConfigType = None,
        train_cfg: OptConfigType = None,
        test_cfg: OptConfigType = None,
        data_preprocessor: OptConfigType = None,
        init_cfg: OptConfigType = None,
    ):
        super().__init__(backbone, decode_head, neck=neck, train_cfg=train_cfg,
                         test_cfg=test_cfg, data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        frame_ids = list(frame_ids)
        if (
            len(frame_ids) != 2
            or len(set(frame_ids)) != 2
            or not all(isinstance(f, int) for f in frame_ids)
        ):
            raise ValueError(
                'FlowSiameseEstimator: frame_ids must be two different temporal '
                f'frames (target, source) such as (0, 1), got {frame_ids}'
            )
        if loss_resolution not in ('scale', 'input'):
            raise ValueError(
                "FlowSiameseEstimator: loss_resolution must be 'scale' or 'input', "
                f'got {loss_resolution!r}'
            )
        self.loss_resolution = loss_resolution
        if photometric_loss is None:
            raise ValueError('FlowSiameseEstimator needs a photometric_loss config')
        self.frame_ids = frame_ids
        self.photometric_loss = MODELS.build(dict(photometric_loss))
        self.smoothness_loss = (
            MODELS.build(dict(smoothness_loss)) if smoothness_loss is not None else None
        )

    # ----------------------------------------------------------------- networks

    def encode_pair(self, target: Tensor, source: Tensor) -> List[Tensor]:
        """Siamese encoding: both frames in one batch, levels concatenated target first.

        Args:
            target (Tensor): ``(B, 3, H, W)`` normalised target frame.
            source (Tensor): ``(B, 3, H, W)`` normalised source frame.

        Returns:
            list[Tensor]: per level ``(B, 2 C_l, h_l, w_l)``.
        """
        b = target.shape[0]
        feats = self.extract_feat(torch.cat([target, source], dim=0))
        return [torch.cat([x[:b], x[b:]], dim=1) for x in feats]

    def predict_flows(self, target: Tensor, source: Tensor) -> List[Tensor]:
        """Flows per scale (finest first) in image-size units, ``(B, 2, h_s, w_s)``."""
        return list(self.decode_head(self.encode_pair(target, source)))

    def flows_to_pixels(self, flows: Sequence[Tensor], size: Tuple[int, int]) -> Tensor:
        """Upsample every scale's flow to ``size`` and convert to pixels: ``(B, D, 2, H, W)``."""
        h, w = size
        full = [  # float32 under mixed precision: bf16 would round pixel flows to 1/4 px
            f.float()
            if f.shape[-2:] == (h, w)
            else F.interpolate(f.float(), size=(h, w), mode='bilinear', align_corners=False)
            for f in flows
        ]
        stacked = torch.stack(full, dim=1)
        return stacked * stacked.new_tensor([w, h]).view(1, 1, 2, 1, 1)

    def finest_flow(self, aug: Tensor) -> Tensor:
        """Finest-scale flow of normalised pairs ``(B, 2, 3, H, W)``, in input pixels."""
        flows = self.predict_flows(aug[:, 0], aug[:, 1])
        return self.flows_to_pixels(flows[:1], aug.shape[-2:])[:, 0]

    def reconstruct(
        self, flows: Sequence[Tensor], target: Tensor, source: Tensor
    ) -> Tuple[List[Tensor], List[Tensor]]:
        """Backward-warp the source with every scale's flow.

        With ``loss_resolution='scale'`` each scale's flow warps the source area-resized to
        that scale's resolution and is compared with the equally resized target (coarse
        scales see large motions as small ones); with ``'input'`` every flow is upsampled
        to the input size first.

        Args:
            flows (Sequence[Tensor]): ``(B, 2, h_s, w_s)`` per scale, image-size units.
            target (Tensor): ``(B, 3, H, W)`` target frame in [0, 1].
            source (Tensor): ``(B, 3, H, W)`` source frame in [0, 1].

        Returns:
            tuple[list[Tensor], list[Tensor]]: reconstructions and targets per scale.
        """
        if self.loss_resolution == 'input':
            pix = self.flows_to_pixels(flows, target.shape[-2:])  # (B, D, 2, H, W)
            b, d = pix.shape[:2]
            warped = flow_warp(source.repeat_interleave(d, dim=0), pix.flatten(0, 1))
            return list(warped.unflatten(0, (b, d)).unbind(1)), [target] * d
        warped, targets = [], []
        for flow in flows:
            size = flow.shape[-2:]
            if size == target.shape[-2:]:
                tgt, src = target, source
            else:
                tgt = F.interpolate(target, size=size, mode='area')
                src = F.interpolate(source, size=size, mode='area')
            pix = flow.float() * flow.new_tensor([size[1], size[0]], dtype=torch.float32).view(
                1, 2, 1, 1
            )
            warped.append(flow_warp(src, pix))
            targets.append(tgt)
        return warped, targets

    def _pair(
        self, inputs: Union[dict, Tensor], data_samples: OptSampleList
    ) -> Tuple[Optional[Tensor], Tensor]:
        """(imgs or None, aug) as ``(B, 2, 3, H, W)`` in ``(target, source)`` order."""
        if isinstance(inputs, Tensor):
            if inputs.dim() == 4 and inputs.shape[1] == 6:
                inputs = inputs.unflatten(1, (2, 3))
            if inputs.dim() != 5 or inputs.shape[1:3] != (2, 3):
                raise ValueError(
                    'FlowSiameseEstimator: tensor input must be (B, 2, 3, H, W) '
                    f'or (B, 6, H, W) (target, source), got {tuple(inputs.shape)}'
                )
            return None, inputs
        return ordered_frames(inputs, data_samples, self.frame_ids, type(self).__name__)

    # ------------------------------------------------------------------- modes
    def loss(self, inputs: dict, data_samples: SampleList) -> dict:
        """Photometric and smoothness losses of one batch.

        Args:
            inputs (dict): ``imgs`` and ``aug`` from :class:`MultiFrameDataPreProcessor`.
            data_samples (list[SegDataSample]): Samples (for the frame order).

        Returns:
            dict[str, Tensor]: ``loss_photometric`` and ``loss_smoothness``.
        """
        imgs, aug = self._pair(inputs, data_samples)
        target, source = imgs[:, 0], imgs[:, 1]
        flows = self.predict_flows(aug[:, 0], aug[:, 1])
        warped, targets = self.reconstruct(flows, target, source)
        losses = {
            self.photometric_loss.loss_name: self.photometric_loss(
                warped, targets, self.decode_head.scales
            )
        }
        if self.smoothness_loss is not None:
            losses[self.smoothness_loss.loss_name] = self.smoothness_loss(flows, target)
        return losses

    def predict(self, inputs: dict, data_samples: OptSampleList = None) -> SampleList:
        """Flow of the target frame at the input size.

        Args:
            inputs (dict): From :class:`MultiFrameDataPreProcessor`.
            data_samples (list[SegDataSample], optional): Samples to fill.

        Returns:
            list[SegDataSample]: with ``pred_flow`` (``(2, H, W)``, pixels, ``(u, v)``).
        """
        _, aug = self._pair(inputs, data_samples)
        flow = self.finest_flow(aug)
        if data_samples is None:
            data_samples = [SegDataSample() for _ in range(flow.shape[0])]
        for sample, f in zip(data_samples, flow):
            sample.set_data(dict(pred_flow=PixelData(data=f)))
        return data_samples

    def encode_decode(self, inputs: Tensor, batch_img_metas: List[dict]) -> Tensor:
        """Pixel flow ``(B, 2, H, W)`` of normalised pairs ``(B, 2, 3, H, W)``/``(B, 6, H, W)``."""
        _, aug = self._pair(inputs, None)
        return self.finest_flow(aug)

    def _forward(
        self, inputs: Union[dict, Tensor], data_samples: OptSampleList = None
    ) -> List[Tensor]:
        """Flows per scale (finest first, image-size units).

        Args:
            inputs (dict | Tensor): The preprocessor's dict, or normalised pairs
                ``(B, 2, 3, H, W)`` / ``(B, 6, H, W)`` (target, source).
            data_samples (list, optional): Used to locate the frames.

        Returns:
            list[Tensor]: ``(B, 2, h_s, w_s)`` flows.
        """
        _, aug = self._pair(inputs, data_samples)
        return self.predict_flows(aug[:, 0], aug[:, 1])
