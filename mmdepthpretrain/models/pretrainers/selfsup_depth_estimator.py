"""Depth pre-training model: self-supervised (video, stereo) and supervised depth."""

from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import print_log
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import ConfigType, OptConfigType, OptSampleList, SampleList
from torch import Tensor

from ..utils.geometry import disp_to_depth, invert_pose, pose_vec_to_matrix, warp_sources
from .base_pretrainer import BasePretrainer, ordered_frames
from .nonfinite import (
    NONFINITE_MODES,
    all_finite,
    gradient_guard,
    report_nonfinite,
    zero_if_nonfinite,
)
from .supervision import check_frame_ids, parse_supervision

__all__ = ['SelfSupDepthEstimator', 'parse_supervision']

FrameId = Union[int, str]
LossConfig = Union[dict, None, bool]


def _at_least_float32(x: Tensor) -> Tensor:
    """Half-precision tensors as float32; float32 and float64 as they are."""
    return x.float() if x.dtype in (torch.float16, torch.bfloat16) else x


@MODELS.register_module()
class SelfSupDepthEstimator(BasePretrainer):
    """Monocular depth network trained by view synthesis and/or depth ground truth.

    Supervision (REFERENCE: Godard et al., ICCV 2019; Lao et al., eq. 14):

    - ``M``: temporal source frames (e.g. ``frame_ids=[0, -1, 1]``) warped into the target
      with the predicted depth and a predicted relative pose;
    - ``S``: the other stereo camera (``'s'`` in ``frame_ids``) warped with the known
      ``stereo_T`` of the sample;
    - ``L``: masked L1 against sparse or dense ground-truth depth.

    Poses are predicted for ordered pairs as in Monodepth2: for a negative frame id the pose
    network sees ``[source, target]`` and its transform is inverted, otherwise
    ``[target, source]``; either way the result is ``T_source_target``. The pose branch is a
    separate 2-frame encoder (``pose_encoder`` given, 6 input channels) or shares the depth
    encoder (``pose_encoder=None``; the pose decoder then takes 2 feature maps).

    Call graph::

        train_step(): data_preprocessor -> loss() -> parse_losses() -> update_params
                      -> report_nonfinite() (the step's one host read)
        loss(): predict_disparities() -> depth at input size (every scale)
                -> source_poses() -> warp_sources() -> photometric_loss
                -> smoothness_loss, depth_loss
        predict(): predict_disparities() -> disp_to_depth -> postprocess_result()
        _forward(): predict_disparities()

    ``loss()`` has no host synchronisation, no branch on tensor values and no
    data-dependent shape, so ``torch.compile`` captures it (networks and loss graph) as one
    graph; the finiteness of the losses is checked at the end of the step
    (:mod:`.nonfinite`).

    The decode head is either a :class:`DisparityHead` (list of sigmoid disparities, one per
    scale) or any mmseg decode head with one output channel (its logits go through a
    sigmoid), e.g. DeepLabV3's ``ASPPHead`` for the Cityscapes configuration.

    Args:
        backbone (ConfigType): Depth encoder config.
        decode_head (ConfigType): Disparity decoder config.
        frame_ids (Sequence[int | str]): Target first (0), then sources: negative/positive
            integers are temporal neighbours, ``'s'`` the other stereo camera.
            Defaults to (0, -1, 1).
        supervision (str): Letters M, S, L (e.g. 'M', 'MS', 'L', 'M+L'). Defaults to 'M'.
        pose_encoder (ConfigType, optional): Separate 2-frame pose encoder (e.g.
            ``DepthResNet`` with ``num_input_images=2``); None shares the depth encoder.
            Ignored without M. Defaults to None.
        pose_decoder (ConfigType, optional): ``PoseDecoder`` config, needed for M.
            Defaults to None.
        photometric_loss (dict | None | bool): Photometric loss config, used with M or S.
            None builds ``PhotometricReprojectionLoss()``. Defaults to None.
        smoothness_loss (dict | None | bool): Smoothness config. None builds
            ``EdgeAwareSmoothnessLoss()`` (weight 1e-3) when M or S is used and nothing for L
            alone; False disables it. Defaults to None.
        depth_loss (dict | None | bool): Depth loss config, used with L. None builds
            ``MaskedL1DepthLoss()``. Defaults to None.
        min_depth (float): Depth at disparity 1. Defaults to 0.1.
        max_depth (float): Depth at disparity 0. Defaults to 100.0.
        nonfinite (str): What a non-finite loss term does: 'raise' stops with the term's
            name after the step, 'skip' replaces the loss by zero, zeroes the step's
            gradients (also when only a gradient is non-finite) and warns. Defaults to
            'raise'.
        neck (OptConfigType): Optional neck. Defaults to None.
        train_cfg (OptConfigType): Unused. Defaults to None.
        test_cfg (OptConfigType): Unused. Defaults to None.
        data_preprocessor (OptConfigType): Defaults to :class:`MultiFrameDataPreProcessor`.
        init_cfg (OptConfigType): Initialisation config. Defaults to None.
    """

    def __init__(
        self,
        backbone: ConfigType,
        decode_head: ConfigType,
        frame_ids: Sequence[FrameId] = (0, -1, 1),
        supervision: str = 'M',
        pose_encoder: OptConfigType = None,
        pose_decoder: OptConfigType = None,
        photometric_loss: LossConfig = None,
        smoothness_loss: LossConfig = None,
        depth_loss: LossConfig = None,
        min_depth: float = 0.1,
        max_depth: float = 100.0,
        nonfinite: str = 'raise',
        neck: OptConfigType = None,
        train_cfg: OptConfigType = None,
        test_cfg: OptConfigType = None,
        data_preprocessor: OptConfigType = None,
        init_cfg: OptConfigType = None,
    ):
        super().__init__(backbone, decode_head, neck=neck, train_cfg=train_cfg,
                         test_cfg=test_cfg, data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.supervision = parse_supervision(supervision)
        self.frame_ids = check_frame_ids(frame_ids, self.supervision)
        self.source_ids = self.frame_ids[1:]
        self.temporal_ids = [f for f in self.source_ids if f != 's']
        # which temporal poses are predicted as (source, target) and must be inverted
        self.register_buffer(
            'past_sources',
            torch.tensor([f < 0 for f in self.temporal_ids], dtype=torch.bool),
            persistent=False,
        )
        if not 0 < min_depth < max_depth:
            raise ValueError(
                f'SelfSupDepthEstimator: need 0 < min_depth < max_depth, got '
                f'{min_depth}, {max_depth}'
            )
        if nonfinite not in NONFINITE_MODES:
            raise ValueError(
                f"SelfSupDepthEstimator: nonfinite must be 'raise' or 'skip', got {nonfinite!r}"
            )
        self.min_depth, self.max_depth = float(min_depth), float(max_depth)
        self.nonfinite = nonfinite
        self.shared_pose = False
        if 'M' in self.supervision:
            if pose_decoder is None:
                raise ValueError(
                    "SelfSupDepthEstimator: supervision 'M' needs a pose_decoder "
                    "config (e.g. dict(type='PoseDecoder', in_channels=512))"
                )
            self.shared_pose = pose_encoder is None
            if not self.shared_pose:
                self.pose_encoder = MODELS.build(pose_encoder)
            self.pose_decoder = MODELS.build(pose_decoder)
            expected = 2 if self.shared_pose else 1
            if self.pose_decoder.num_input_features != expected:
                raise ValueError(
                    'SelfSupDepthEstimator: pose_decoder.num_input_features must be '
                    f'{expected} for the {"shared" if self.shared_pose else "separate"} pose '
                    f'encoder, got {self.pose_decoder.num_input_features}'
                )
        elif pose_encoder is not None or pose_decoder is not None:
            print_log(
                'SelfSupDepthEstimator: supervision has no M, the pose branch is not built',
                logger='current',
            )

        uses_views = bool(self.supervision & {'M', 'S'})
        self.photometric_loss = self._build_loss(
            photometric_loss, 'PhotometricReprojectionLoss', uses_views, required=True
        )
        self.smoothness_loss = self._build_loss(
            smoothness_loss, 'EdgeAwareSmoothnessLoss', uses_views, required=False
        )
        self.depth_loss = self._build_loss(
            depth_loss, 'MaskedL1DepthLoss', 'L' in self.supervision, required=True
        )
        if getattr(self.data_preprocessor, 'channels_last', False):
            # weights in the input's layout: no conversion inside every convolution
            for param in self.parameters():
                if param.dim() == 4:
                    param.data = param.data.contiguous(memory_format=torch.channels_last)

    def _build_loss(
        self, cfg: LossConfig, default: str, used: bool, required: bool
    ) -> Optional[nn.Module]:
        """Build one loss term.

        A ``required`` term (photometric, depth) exists exactly when its supervision is
        ``used``; None builds ``default`` and False is an error. The optional smoothness term
        is built from a dict, defaults to ``default`` when ``used`` and False disables it.
        """
        if required:
            if not used:
                return None
            if cfg is False:
                sup = ''.join(sorted(self.supervision))
                raise ValueError(
                    f'SelfSupDepthEstimator: supervision {sup!r} needs a '
                    f'{default}-like loss, got False'
                )
        elif cfg is False or (cfg is None and not used):
            return None
        return MODELS.build(dict(type=default) if cfg is None or cfg is True else cfg)

    # ----------------------------------------------------------------- networks

    def decode_disparities(self, feats: Sequence[Tensor]) -> List[Tensor]:
        """Disparities in [0, 1] per scale, finest first."""
        out = self.decode_head(feats)
        if isinstance(out, Tensor):  # an mmseg decode head: one-channel logits
            return [torch.sigmoid(out)]
        return list(out)

    def predict_disparities(self, inputs: Tensor) -> List[Tensor]:
        """Network input ``(B, 3, H, W)`` -> disparities per scale, finest first."""
        return self.decode_disparities(self.extract_feat(inputs))

    def disparities_to_depths(self, disps: Sequence[Tensor], size: Tuple[int, int]) -> Tensor:
        """Upsample every scale's disparity to ``size`` and convert: ``(B, D, 1, H, W)``."""
        full = [  # float32 under mixed precision (geometry and losses run in float32)
            _at_least_float32(d)
            if d.shape[-2:] == size
            else F.interpolate(_at_least_float32(d), size=size, mode='bilinear',
                               align_corners=False)
            for d in disps
        ]
        return disp_to_depth(torch.stack(full, dim=1), self.min_depth, self.max_depth)

    def source_poses(
        self, aug: Tensor, stereo_T: Optional[Tensor] = None, frame_feats: Optional[Tensor] = None
    ) -> Tensor:
        """``T_source_target`` for every source frame.

        Args:
            aug (Tensor): ``(B, F, 3, H, W)`` network inputs in ``self.frame_ids`` order.
            stereo_T (Tensor, optional): ``(B, 4, 4)`` transform of the ``'s'`` source.
            frame_feats (Tensor, optional): ``(F, B, C, h, w)`` last-level depth-encoder
                features of every frame (shared pose encoder only).

        Returns:
            Tensor: ``(B, S, 4, 4)`` in ``self.source_ids`` order.
        """
        b = aug.shape[0]
        poses = {}
        if self.temporal_ids:
            pos = {f: i for i, f in enumerate(self.frame_ids)}
            firsts, seconds = [], []
            for fid in self.temporal_ids:  # ordered pairs: earlier frame first
                pair = (pos[fid], 0) if fid < 0 else (0, pos[fid])
                firsts.append(pair[0])
                seconds.append(pair[1])
            if self.shared_pose:
                feats = [frame_feats[firsts].flatten(0, 1), frame_feats[seconds].flatten(0, 1)]
            else:
                pairs = torch.cat([aug[:, firsts], aug[:, seconds]], dim=2)  # (B, n, 6, H, W)
                feats = [self.pose_encoder(pairs.transpose(0, 1).flatten(0, 1))[-1]]
            axisangle, translation = self.pose_decoder(feats)  # (n B, 1, 3) each
            T = pose_vec_to_matrix(axisangle[:, 0], translation[:, 0])
            n = len(self.temporal_ids)
            past = self.past_sources.repeat_interleave(b).view(-1, 1, 1)
            T = torch.where(past, invert_pose(T), T).view(n, b, 4, 4)
            poses.update({fid: T[i] for i, fid in enumerate(self.temporal_ids)})
        if 's' in self.source_ids:
            poses['s'] = stereo_T
        return torch.stack([poses[fid] for fid in self.source_ids], dim=1)

    # ------------------------------------------------------------------- modes
    def loss(self, inputs: dict, data_samples: SampleList) -> dict:
        """Losses of one batch (see the class call graph).

        Args:
            inputs (dict): ``imgs``, ``aug``, ``K``, ``inv_K``, ``stereo_T`` from
                :class:`MultiFrameDataPreProcessor`.
            data_samples (list[SegDataSample]): with ``gt_depth_map`` for L.

        Returns:
            dict[str, Tensor]: ``loss_photometric``, ``loss_smoothness``, ``loss_depth``
            (those that apply).
        """
        imgs, aug = self._ordered_frames(inputs, data_samples)
        target, sources = imgs[:, 0], imgs[:, 1:]
        if self.shared_pose:  # every frame through the depth encoder in one pass
            b, f = aug.shape[:2]
            all_feats = self.extract_feat(aug.transpose(0, 1).flatten(0, 1))
            feats = [x[:b] for x in all_feats]
            frame_feats = all_feats[-1].unflatten(0, (f, b))
        else:
            feats, frame_feats = self.extract_feat(aug[:, 0]), None
        disps = self.decode_disparities(feats)
        depths = self.disparities_to_depths(disps, target.shape[-2:])  # (B, D, 1, H, W)

        losses = {}
        if self.photometric_loss is not None:
            if 'K' not in inputs:
                raise KeyError(
                    "SelfSupDepthEstimator: view synthesis needs cam_K in every sample's metainfo"
                )
            T_src_tgt = self.source_poses(aug, inputs.get('stereo_T'), frame_feats)
            warped = warp_sources(sources, depths, inputs['K'], inputs['inv_K'], T_src_tgt)
            losses[self.photometric_loss.loss_name] = self.photometric_loss(warped, target, sources)
        if self.smoothness_loss is not None:
            losses[self.smoothness_loss.loss_name] = self.smoothness_loss(disps, target)
        if self.depth_loss is not None:
            gt_depth = self._gt_depth(data_samples)
            losses[self.depth_loss.loss_name] = self.depth_loss(depths, gt_depth)
        return losses

    def parse_losses(self, losses: Dict[str, Tensor]) -> Tuple[Tensor, Dict[str, Tensor]]:
        """mmengine's sum of the ``loss`` terms; in 'skip' mode a non-finite sum is replaced
        by zero on the device (the terms are logged as computed)."""
        loss, log_vars = super().parse_losses(losses)
        if self.nonfinite == 'skip':
            loss = log_vars['loss'] = zero_if_nonfinite(loss)
        return loss, log_vars

    def train_step(self, data: dict, optim_wrapper) -> Dict[str, Tensor]:
        """mmengine's training step, with non-finite losses handled after the update.

        As ``BaseModel.train_step`` (preprocess, :meth:`loss`, :meth:`parse_losses`,
        ``optim_wrapper.update_params``); 'skip' mode guards the optimizer's step
        (:class:`~.nonfinite.NonFiniteGradientGuard`). Whether the step was finite is
        read on the host once, after the update is queued, and 'raise' raises
        ``FloatingPointError`` there. (A distributed wrapper runs its own ``train_step``;
        ``FiniteLossHook`` then does the same.)

        Args:
            data (dict): A batch from the data loader.
            optim_wrapper (OptimWrapper): Updates the parameters.

        Returns:
            dict[str, Tensor]: The log variables (``loss`` and the terms).
        """
        guard = gradient_guard(optim_wrapper.optimizer) if self.nonfinite == 'skip' else None
        with optim_wrapper.optim_context(self):
            data = self.data_preprocessor(data, True)
            losses = self._run_forward(data, mode='loss')
        finite = all_finite(losses)
        parsed, log_vars = self.parse_losses(losses)
        optim_wrapper.update_params(parsed)
        report_nonfinite(type(self).__name__, losses, finite, self.nonfinite,
                         guard.pop() if guard is not None else None)
        return log_vars

    def _ordered_frames(
        self,
        inputs: dict,
        data_samples: OptSampleList,
        frame_ids: Optional[Sequence[FrameId]] = None,
    ) -> Tuple[Tensor, Tensor]:
        """``imgs`` and ``aug`` with their frames in ``frame_ids`` order (model's default)."""
        wanted = self.frame_ids if frame_ids is None else frame_ids
        return ordered_frames(
            inputs, data_samples, wanted, type(self).__name__, default_ids=self.frame_ids
        )

    def _gt_depth(self, data_samples: SampleList) -> Tensor:
        """Stack ``gt_depth_map`` of the samples into ``(B, 1, H, W)``."""
        if not data_samples or any('gt_depth_map' not in s for s in data_samples):
            raise KeyError(
                "SelfSupDepthEstimator: supervision 'L' needs gt_depth_map in every "
                'sample; load depth in the training pipeline'
            )
        gts = [s.gt_depth_map.data for s in data_samples]
        shapes = {tuple(g.shape) for g in gts}
        if len(shapes) > 1:
            raise ValueError(
                f'SelfSupDepthEstimator: gt_depth_map sizes differ in a batch: {sorted(shapes)}'
            )
        return torch.stack(gts).float()

    def predict(self, inputs: dict, data_samples: OptSampleList = None) -> SampleList:
        """Depth of the target frame at the input size.

        Args:
            inputs (dict): From :class:`MultiFrameDataPreProcessor`.
            data_samples (list[SegDataSample], optional): Samples to fill.

        Returns:
            list[SegDataSample]: with ``pred_depth_map`` (metres, ``(1, H, W)``) and
            ``pred_disp_map`` (the network's sigmoid disparity in [0, 1]).
        """
        aug = self._ordered_frames(inputs, data_samples, [0])[1][:, 0]
        disp = self.predict_disparities(aug)[0]
        if disp.shape[-2:] != aug.shape[-2:]:
            disp = F.interpolate(disp, size=aug.shape[-2:], mode='bilinear', align_corners=False)
        depth = disp_to_depth(disp, self.min_depth, self.max_depth)
        return self.postprocess_result(depth, disp, data_samples)

    def postprocess_result(
        self, depth: Tensor, disp: Tensor, data_samples: OptSampleList = None
    ) -> SampleList:
        """Write ``pred_depth_map`` and ``pred_disp_map`` into the samples."""
        if data_samples is None:
            data_samples = [SegDataSample() for _ in range(depth.shape[0])]
        for i, sample in enumerate(data_samples):
            sample.set_data(
                dict(pred_depth_map=PixelData(data=depth[i]), pred_disp_map=PixelData(data=disp[i]))
            )
        return data_samples

    def encode_decode(self, inputs: Tensor, batch_img_metas: List[dict]) -> Tensor:
        """Depth ``(B, 1, H, W)`` of normalised images ``(B, 3, H, W)``."""
        disp = self.predict_disparities(inputs)[0]
        disp = F.interpolate(disp, size=inputs.shape[-2:], mode='bilinear', align_corners=False)
        return disp_to_depth(disp, self.min_depth, self.max_depth)

    def _forward(
        self, inputs: Union[dict, Tensor], data_samples: OptSampleList = None
    ) -> List[Tensor]:
        """Disparities per scale (finest first) of the target frame.

        Args:
            inputs (dict | Tensor): The preprocessor's dict, or normalised images
                ``(B, 3, H, W)``.
            data_samples (list, optional): Used to locate the target frame.

        Returns:
            list[Tensor]: ``(B, 1, h_s, w_s)`` disparities.
        """
        if isinstance(inputs, Tensor):
            return self.predict_disparities(inputs)
        aug = self._ordered_frames(inputs, data_samples, [0])[1][:, 0]
        return self.predict_disparities(aug)
