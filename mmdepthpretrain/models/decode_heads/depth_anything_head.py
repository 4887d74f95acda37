"""Depth Anything's DPT head (relative inverse depth) and its segmentation twin.

Both heads hold the same :class:`DPTDecoder` under ``decoder.`` and differ only in the
last 1x1 conv: ``conv_depth`` (one channel, ReLU; sigmoid x ``max_depth`` for the metric
models) or ``conv_seg`` (the classifier). So a Depth Anything / MiDaS depth model converted
with ``tools/model_converters/vit_to_mmdp.py --mode seg-full`` initialises a segmentation
model in which only the classifier is fresh (the paper's setup b for ViTs).

Source key mapping (Depth Anything original ``depth_head.``; MiDaS ``scratch.`` and
``pretrained.act_postprocess{k}``; Hugging Face ``neck.`` / ``head.``), ``n`` levels:

=====================================  ================================  =====================
ours (``decode_head.``)                Depth Anything / MiDaS            Hugging Face
=====================================  ================================  =====================
decoder.reassemble.projects.i          projects.i / act_postprocess.3    reassemble_stage
                                                                         .layers.i.projection
decoder.reassemble.resize_layers.i     resize_layers.i / .4              ...layers.i.resize
decoder.reassemble.readout_projects.i  readout_projects.i / .0.project   readout_projects.i
decoder.lateral_convs.i                scratch.layer{i+1}_rn             neck.convs.i
decoder.fusion_blocks.j                scratch.refinenet{n-j}            fusion_stage.layers.j
  .res_unit{1,2}.conv{1,2}, .out_conv    .resConfUnit{1,2}, .out_conv      .residual_layer{1,2}
                                                                         .convolution{1,2},
                                                                         .projection
decoder.output_conv1                   scratch.output_conv1 / .0         head.conv1 / head.0
decoder.output_conv2                   scratch.output_conv2.0 / .2       head.conv2 / head.2
conv_depth                             scratch.output_conv2.2 / .4       head.conv3 / head.4
=====================================  ================================  =====================
"""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from mmseg.utils import OptConfigType, SampleList
from torch import Tensor

from .dpt_decoder import DPTDecoder

__all__ = ['DepthAnythingHead', 'DepthAnythingSegHead', 'fit_prediction', 'prediction_size']


def fit_prediction(pred: Tensor, size: Sequence[int], patch_size: int,
                   align_corners: bool = False) -> Tensor:
    """Bring a full-resolution prediction to ``size``: crop the padding, or resize.

    A backbone with ``pad_input=True`` pads the bottom/right to a multiple of the patch,
    so a prediction less than one patch larger than ``size`` is cropped (never stretched).

    Args:
        pred (Tensor): ``(B, C, H, W)``.
        size (Sequence[int]): Target ``(h, w)``.
        patch_size (int): The backbone's patch size.
        align_corners (bool): For the resize case. Defaults to False.

    Returns:
        Tensor: ``(B, C, h, w)``.
    """
    h, w = int(size[0]), int(size[1])
    ph, pw = pred.shape[-2:]
    if (ph, pw) == (h, w):
        return pred
    if 0 <= ph - h < patch_size and 0 <= pw - w < patch_size:
        return pred[..., :h, :w]
    return F.interpolate(pred, size=(h, w), mode='bilinear', align_corners=align_corners)


def prediction_size(batch_img_metas: List[dict]) -> Tuple[int, int]:
    """The size a head's prediction takes, as mmseg's ``BaseDecodeHead.predict_by_feat``:
    the crop of a slide inference (``img_shape`` as a ``torch.Size``), else the padded
    batch (``pad_shape``, which the segmentor crops back with ``padding_size``), else
    ``img_shape``."""
    meta = batch_img_metas[0]
    if not isinstance(meta['img_shape'], torch.Size) and 'pad_shape' in meta:
        return tuple(meta['pad_shape'][:2])
    return tuple(meta['img_shape'][:2])


def _decoder_args(embed_dims, post_process_channels, features, reassemble_factors,
                  readout_type, patch_size, fusion_resize, head_channels) -> dict:
    return dict(embed_dims=embed_dims, post_process_channels=list(post_process_channels),
                features=features, reassemble_factors=list(reassemble_factors),
                readout_type=readout_type, patch_size=patch_size,
                fusion_resize=fusion_resize, head_channels=head_channels)


@MODELS.register_module()
class DepthAnythingHead(BaseDecodeHead):
    """Depth Anything DPT head: relative inverse depth (after the final ReLU).

    ``forward`` returns what the source model's forward returns (Depth Anything v1/v2:
    ``relu(head(features))``; MiDaS DPT: inverse depth after ReLU; Hugging Face
    ``predicted_depth``), as ``(B, 1, H, W)``. Usable as the decode head of mmseg's
    ``DepthEstimator`` (``predict`` fills ``pred_depth_map`` with that output; a
    backbone's padding is cropped off).

    Released widths: S ``features=64, post_process_channels=[48, 96, 192, 384]``; B 128,
    ``[96, 192, 384, 768]``; L 256, ``[256, 512, 1024, 1024]``; G 384, ``[1536] * 4``;
    MiDaS DPT-Large 256, ``[256, 512, 1024, 1024]`` with ``readout_type='project'``.

    Args:
        embed_dims (int): ViT width. Defaults to 1024.
        post_process_channels (Sequence[int]): Defaults to (256, 512, 1024, 1024).
        features (int): Fusion width. Defaults to 256.
        reassemble_factors (Sequence[float]): Defaults to (4, 2, 1, 0.5).
        readout_type (str): ``'ignore'`` (Depth Anything), ``'project'``
            (``use_clstoken`` / MiDaS; the backbone then needs ``readout='cls_token'``) or
            ``'add'``. Defaults to 'ignore'.
        patch_size (int): Defaults to 14.
        fusion_resize (str): ``'size'`` (Depth Anything, MiDaS v3.1) or ``'scale'``
            (Hugging Face DPT). Defaults to 'size'.
        head_channels (int): Defaults to 32.
        max_depth (float, optional): Metric models: ``sigmoid * max_depth`` instead of
            ReLU. Defaults to None.
        loss_decode (dict | list, optional): Depth losses for ``loss()``; None makes
            ``loss()`` an error (this head predicts relative inverse depth, which needs a
            loss of that kind). Defaults to None.
        align_corners (bool): For resizing predictions. Defaults to False.
        init_cfg (dict, optional): Defaults to None.
    """

    num_classes = 1
    out_channels = 1
    input_transform = None  # takes every backbone output (one per level)
    ignore_index = None

    def __init__(self,
                 embed_dims: int = 1024,
                 post_process_channels: Sequence[int] = (256, 512, 1024, 1024),
                 features: int = 256,
                 reassemble_factors: Sequence[float] = (4, 2, 1, 0.5),
                 readout_type: str = 'ignore',
                 patch_size: int = 14,
                 fusion_resize: str = 'size',
                 head_channels: int = 32,
                 max_depth: Optional[float] = None,
                 loss_decode: OptConfigType = None,
                 align_corners: bool = False,
                 init_cfg: OptConfigType = None):
        BaseModule.__init__(self, init_cfg=init_cfg)  # no classifier: not BaseDecodeHead's
        self.in_channels = embed_dims
        self.channels = head_channels
        self.align_corners = align_corners
        self.patch_size = patch_size
        self.max_depth = max_depth
        self.decoder = DPTDecoder(**_decoder_args(
            embed_dims, post_process_channels, features, reassemble_factors, readout_type,
            patch_size, fusion_resize, head_channels))
        self.conv_depth = nn.Conv2d(head_channels, 1, 1)
        if loss_decode is None:
            self.loss_decode = None
        elif isinstance(loss_decode, dict):
            self.loss_decode = nn.ModuleList([MODELS.build(loss_decode)])
        else:
            self.loss_decode = nn.ModuleList([MODELS.build(c) for c in loss_decode])

    def forward(self, inputs: Sequence) -> Tensor:
        """Relative inverse depth ``(B, 1, H, W)`` (metric depth with ``max_depth``)."""
        x = self.conv_depth(self.decoder(inputs))
        if self.max_depth is not None:
            return torch.sigmoid(x) * self.max_depth
        return F.relu(x)

    def predict_by_feat(self, seg_logits: Tensor, batch_img_metas: List[dict]) -> Tensor:
        """Crop (a backbone's padding) or resize the prediction to the input size
        (:func:`prediction_size`)."""
        return fit_prediction(seg_logits, prediction_size(batch_img_metas), self.patch_size,
                              self.align_corners)

    def loss_by_feat(self, pred: Tensor, batch_data_samples: SampleList) -> dict:
        """Depth losses against ``gt_depth_map`` (prediction brought to its size)."""
        if self.loss_decode is None:
            raise RuntimeError('DepthAnythingHead: no loss_decode configured; it predicts '
                               'relative inverse depth, so give a loss for that output')
        gt = torch.stack([s.gt_depth_map.data for s in batch_data_samples])
        pred = fit_prediction(pred, gt.shape[-2:], self.patch_size, self.align_corners)
        losses = {}
        for loss in self.loss_decode:
            losses[loss.loss_name] = losses.get(loss.loss_name, 0) + loss(pred, gt)
        return losses


@MODELS.register_module()
class DepthAnythingSegHead(BaseDecodeHead):
    """The Depth Anything DPT decoder with a segmentation classifier (``conv_seg``).

    Same ``decoder.*`` as :class:`DepthAnythingHead`; the classifier replaces
    ``conv_depth`` and reads the ReLU'd ``output_conv2`` features at the input resolution.

    Args:
        embed_dims (int): ViT width. Defaults to 1024.
        post_process_channels (Sequence[int]): Defaults to (256, 512, 1024, 1024).
        features (int): Defaults to 256.
        reassemble_factors (Sequence[float]): Defaults to (4, 2, 1, 0.5).
        readout_type (str): Defaults to 'ignore'.
        patch_size (int): Defaults to 14.
        fusion_resize (str): Defaults to 'size'.
        head_channels (int): Defaults to 32.
        **kwargs: :class:`BaseDecodeHead` arguments (``num_classes``, ``dropout_ratio``,
            ``loss_decode``, ``ignore_index``, ``align_corners``, ``init_cfg`` ...).
    """

    def __init__(self,
                 embed_dims: int = 1024,
                 post_process_channels: Sequence[int] = (256, 512, 1024, 1024),
                 features: int = 256,
                 reassemble_factors: Sequence[float] = (4, 2, 1, 0.5),
                 readout_type: str = 'ignore',
                 patch_size: int = 14,
                 fusion_resize: str = 'size',
                 head_channels: int = 32,
                 **kwargs):
        n = len(post_process_channels)
        kwargs.setdefault('dropout_ratio', 0.0)
        super().__init__(in_channels=[embed_dims] * n, channels=head_channels,
                         in_index=list(range(n)), input_transform='multiple_select', **kwargs)
        self.patch_size = patch_size
        self.decoder = DPTDecoder(**_decoder_args(
            embed_dims, post_process_channels, features, reassemble_factors, readout_type,
            patch_size, fusion_resize, head_channels))

    def forward(self, inputs: Sequence) -> Tensor:
        """Class logits ``(B, num_classes, H, W)``."""
        return self.cls_seg(self.decoder(self._transform_inputs(inputs)))

    def _fit(self, logits: Tensor, size: Tuple[int, int]) -> Tensor:
        return fit_prediction(logits, size, self.patch_size, self.align_corners)

    def predict_by_feat(self, seg_logits: Tensor, batch_img_metas: List[dict]) -> Tensor:
        """Crop (a backbone's padding) or resize the logits to the input size
        (:func:`prediction_size`)."""
        return self._fit(seg_logits, prediction_size(batch_img_metas))

    def loss_by_feat(self, seg_logits: Tensor, batch_data_samples: SampleList) -> dict:
        """mmseg's segmentation losses after cropping a backbone's padding."""
        size = batch_data_samples[0].gt_sem_seg.data.shape[-2:]
        return super().loss_by_feat(self._fit(seg_logits, size), batch_data_samples)
