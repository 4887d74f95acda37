"""Linear-probe segmentation head as DINOv2 evaluates frozen ViTs (Oquab et al., Sec. 7.4).

"linear": a BatchNorm and a 1x1 classifier on the patch tokens of the last block, giving a
logit map at the patch grid that is upsampled to the image; "+ms"-style: the same on the
patch tokens of the last four blocks concatenated. Optionally each block's cls token is
concatenated to every patch (backbone ``readout='cls_token'``).

Configs: backbone ``PlainViT(out_indices=[-1], freeze=True)`` with
``LinearProbeHead(in_channels=[C])``, or ``out_indices=[L-4, L-3, L-2, L-1]`` with
``in_channels=[C] * 4``.
"""
from typing import Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from torch import Tensor

from .dpt_decoder import split_inputs

__all__ = ['LinearProbeHead']


@MODELS.register_module()
class LinearProbeHead(BaseDecodeHead):
    """BatchNorm + 1x1 classifier on (concatenated) ViT patch features.

    Args:
        in_channels (int | Sequence[int]): Channels of each backbone output used.
        in_index (int | Sequence[int], optional): Which backbone outputs; None takes one
            per ``in_channels`` entry from the first. Defaults to None.
        use_cls_token (bool): Concatenate each output's cls token to its patches (the
            backbone must give ``(map, cls)`` pairs). Defaults to False.
        norm_cfg (dict, optional): The norm before the classifier; None means
            ``dict(type='BN')`` (use ``SyncBN`` on multi-GPU runs, as DINOv2).
            Defaults to None.
        **kwargs: :class:`BaseDecodeHead` arguments (``num_classes``, ``loss_decode``,
            ``dropout_ratio`` (default 0), ``align_corners`` ...).
    """

    def __init__(self,
                 in_channels: Union[int, Sequence[int]],
                 in_index: Optional[Union[int, Sequence[int]]] = None,
                 use_cls_token: bool = False,
                 norm_cfg: Optional[dict] = None,
                 **kwargs):
        norm_cfg = dict(type='BN') if norm_cfg is None else norm_cfg
        in_channels = [in_channels] if isinstance(in_channels, int) else list(in_channels)
        if in_index is None:
            in_index = list(range(len(in_channels)))
        in_index = [in_index] if isinstance(in_index, int) else list(in_index)
        total = sum(in_channels) * (2 if use_cls_token else 1)
        kwargs.setdefault('dropout_ratio', 0.0)
        super().__init__(in_channels=in_channels, channels=total, in_index=in_index,
                         input_transform='multiple_select', norm_cfg=norm_cfg, **kwargs)
        self.use_cls_token = use_cls_token
        self.bn = build_norm_layer(norm_cfg, total)[1]

    def forward(self, inputs: Sequence) -> Tensor:
        """Logits ``(B, num_classes, h, w)`` at the first selected output's grid."""
        maps, cls_tokens = split_inputs(self._transform_inputs(inputs))
        size = maps[0].shape[-2:]
        feats = []
        for x, cls in zip(maps, cls_tokens):
            if self.use_cls_token:
                if cls is None:
                    raise ValueError("LinearProbeHead(use_cls_token=True) needs (map, cls) "
                                     "outputs: build the backbone with readout='cls_token'")
                x = torch.cat([x, cls[:, :, None, None].expand(-1, -1, *x.shape[-2:])], dim=1)
            if x.shape[-2:] != size:
                x = F.interpolate(x, size=size, mode='bilinear', align_corners=self.align_corners)
            feats.append(x)
        return self.cls_seg(self.bn(torch.cat(feats, dim=1)))
