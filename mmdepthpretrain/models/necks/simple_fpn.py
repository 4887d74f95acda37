"""A simple feature pyramid for a plain (single-scale) ViT, as a detector neck.

Li et al., "Exploring Plain Vision Transformer Backbones for Object Detection" (ViTDet,
ECCV 2022, Sec. 3 and Fig. 2 c): a plain ViT gives one feature map of stride ``s`` (the
patch size); the pyramid is built from the *last* map alone by resampling it with strides
``s/4, s/2, s, 2s``: two 2x2 transposed convolutions (with a LayerNorm and GELU between
them) for 4x, one for 2x, identity for 1x and 2x2 max pooling for 0.5x. Each level then goes
through a 1x1 and a 3x3 convolution, each followed by a LayerNorm over channels, to
``out_channels``; further levels (``num_outs > 4``) are max-pooled with stride 2 from the
last one, as mmdet's FPN does for the RPN's extra level.
"""
from typing import List, Sequence, Tuple

import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor

__all__ = ['LN2d', 'SimpleFPN']


class LN2d(nn.LayerNorm):
    """LayerNorm over the channel axis of an ``(N, C, H, W)`` map (ViTDet's ``LN2d``).

    Args:
        num_channels (int): ``C``.
        eps (float): Defaults to 1e-6.
    """

    _abbr_ = 'ln'

    def __init__(self, num_channels: int, eps: float = 1e-6, **kwargs) -> None:
        super().__init__(num_channels, eps=eps, **kwargs)

    def forward(self, x: Tensor) -> Tensor:
        """Normalise each pixel's channel vector."""
        return F.layer_norm(x.permute(0, 2, 3, 1), self.normalized_shape, self.weight,
                            self.bias, self.eps).permute(0, 3, 1, 2)


class SimpleFPN(BaseModule):
    """Simple feature pyramid over a plain ViT's last feature map.

    Args:
        backbone_channel (int): Channels ``C`` of the backbone's map.
        in_channels (Sequence[int]): Channels after the 4x, 2x, 1x and 0.5x resampling.
            Defaults to ``[C/4, C/2, C, C]``.
        out_channels (int): Channels of every output level. Defaults to 256.
        num_outs (int): Output levels (4, or more for extra max-pooled levels).
            Defaults to 5.
        norm_cfg (dict): Norm after each convolution. Defaults to ``LN2d``.
        init_cfg (dict, optional): Defaults to None.
    """

    def __init__(self, backbone_channel: int, in_channels: Sequence[int] = None,
                 out_channels: int = 256, num_outs: int = 5, norm_cfg: dict = None,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        c = int(backbone_channel)
        in_channels = list(in_channels or [c // 4, c // 2, c, c])
        if len(in_channels) != 4:
            raise ValueError(f'SimpleFPN: in_channels needs 4 entries (4x, 2x, 1x, 0.5x), '
                             f'got {in_channels}')
        if num_outs < 4:
            raise ValueError(f'SimpleFPN: num_outs must be >= 4, got {num_outs}')
        norm_cfg = dict(norm_cfg or dict(type=LN2d, eps=1e-6))
        self.backbone_channel = c
        self.num_outs = num_outs
        self.up4 = nn.Sequential(
            nn.ConvTranspose2d(c, c // 2, 2, 2), LN2d(c // 2), nn.GELU(),
            nn.ConvTranspose2d(c // 2, in_channels[0], 2, 2))
        self.up2 = nn.ConvTranspose2d(c, in_channels[1], 2, 2)
        self.same = nn.Identity() if in_channels[2] == c else nn.Conv2d(c, in_channels[2], 1)
        self.down2 = nn.Sequential(nn.MaxPool2d(2, 2), nn.Identity() if in_channels[3] == c
                                   else nn.Conv2d(c, in_channels[3], 1))
        self.lateral_convs = nn.ModuleList(
            ConvModule(ch, out_channels, 1, norm_cfg=norm_cfg, act_cfg=None, bias=False)
            for ch in in_channels)
        self.fpn_convs = nn.ModuleList(
            ConvModule(out_channels, out_channels, 3, padding=1, norm_cfg=norm_cfg,
                       act_cfg=None, bias=False) for _ in in_channels)

    def forward(self, inputs: Sequence[Tensor]) -> Tuple[Tensor, ...]:
        """Pyramid from the last map of ``inputs`` (a backbone's tuple of outputs)."""
        x = inputs[-1]
        if x.shape[1] != self.backbone_channel:
            raise ValueError(f'SimpleFPN: expected {self.backbone_channel} channels, got '
                             f'{x.shape[1]} (set backbone_channel to the ViT width)')
        levels: List[Tensor] = [self.up4(x), self.up2(x), self.same(x), self.down2(x)]
        outs = [fpn(lat(f)) for f, lat, fpn in zip(levels, self.lateral_convs,
                                                    self.fpn_convs)]
        while len(outs) < self.num_outs:
            outs.append(F.max_pool2d(outs[-1], 1, stride=2))
        return tuple(outs)


def _register() -> None:
    from mmseg.registry import MODELS as SEG
    SEG.register_module(module=LN2d, force=True)
    try:
        from mmdet.registry import MODELS as DET
    except ImportError:  # detection is optional
        return
    DET.register_module(module=SimpleFPN, force=True)
    DET.register_module(module=LN2d, force=True)


_register()
