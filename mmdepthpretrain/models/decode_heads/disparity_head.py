"""Multi-scale disparity decoder (U-Net-like, skip connections, ELU, nearest upsampling)."""

import math
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from mmseg.utils import OptConfigType
from torch import Tensor

__all__ = ['DisparityHead', 'UpBlock', 'Conv3x3', 'build_decoder_blocks', 'run_decoder']


class Conv3x3(nn.Conv2d):
    """3x3 convolution with reflection padding (replicate padding on 1-pixel maps).

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
    """

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__(in_channels, out_channels, 3)

    def forward(self, x: Tensor) -> Tensor:
        """Pad by one pixel and convolve."""
        mode = 'reflect' if min(x.shape[-2:]) > 1 else 'replicate'
        return super().forward(F.pad(x, (1, 1, 1, 1), mode=mode))


def conv3x3(in_channels: int, out_channels: int) -> nn.Conv2d:
    """3x3 convolution with reflection padding."""
    return Conv3x3(in_channels, out_channels)


class UpBlock(nn.Module):
    """One decoder level: conv-ELU, upsample x2, concatenate the skip, conv-ELU.

    Args:
        in_channels (int): Channels of the coarser decoder (or encoder) input.
        skip_channels (int): Channels of the skip connection (0 for none).
        out_channels (int): Output channels.
        upsample_mode (str): Interpolation mode. Defaults to 'nearest'.
    """

    def __init__(
        self,
        in_channels: int,
        skip_channels: int,
        out_channels: int,
        upsample_mode: str = 'nearest',
    ):
        super().__init__()
        self.conv1 = conv3x3(in_channels, out_channels)
        self.conv2 = conv3x3(out_channels + skip_channels, out_channels)
        self.upsample_mode = upsample_mode

    def forward(self, x: Tensor, skip: Tensor = None) -> Tensor:
        """Decode one level; the upsampled size follows the skip (or doubles)."""
        x = F.elu(self.conv1(x))
        size = skip.shape[-2:] if skip is not None else (x.shape[-2] * 2, x.shape[-1] * 2)
        x = F.interpolate(x, size=size, mode=self.upsample_mode)
        if skip is not None:
            x = torch.cat([x, skip], dim=1)
        return F.elu(self.conv2(x))


def build_decoder_blocks(in_channels: Sequence[int], channels: Sequence[int],
                         use_skips: bool = True,
                         upsample_mode: str = 'nearest') -> nn.ModuleList:
    """The five :class:`UpBlock` levels shared by the depth decoder and its twins.

    ``blocks[i]`` produces level ``i`` (output stride ``2^i``) from level ``i + 1`` (or the
    deepest encoder level for ``i = 4``) and the encoder skip of level ``i - 1``.
    """
    blocks = []
    for i in range(5):
        block_in = in_channels[4] if i == 4 else channels[i + 1]
        skip = in_channels[i - 1] if (use_skips and i > 0) else 0
        blocks.append(UpBlock(block_in, skip, channels[i], upsample_mode))
    return nn.ModuleList(blocks)


def run_decoder(blocks: nn.ModuleList, inputs: Sequence[Tensor],
                use_skips: bool = True) -> List[Tensor]:
    """Run :func:`build_decoder_blocks` blocks on five encoder levels (finest first).

    Returns:
        list[Tensor]: decoder features of levels 0..4 (index = level).
    """
    if len(inputs) != 5:
        raise ValueError(f'the depth decoder expects five encoder levels, got {len(inputs)}')
    feats: Dict[int, Tensor] = {}
    x = inputs[4]
    for i in range(4, -1, -1):
        skip = inputs[i - 1] if (use_skips and i > 0) else None
        x = blocks[i](x, skip)
        feats[i] = x
    return [feats[i] for i in range(5)]


@MODELS.register_module()
class DisparityHead(BaseModule):
    """Monodepth2-style multi-scale disparity decoder.

    Architecture facts from Godard et al., "Digging Into Self-Supervised Monocular Depth
    Estimation" (ICCV 2019), Sec. 4 and supplementary Table 5: five decoder levels with
    channels [16, 32, 64, 128, 256] (finest to coarsest), 3x3 reflection-padded convs with
    ELU, nearest upsampling, skip connections from the five encoder levels and a sigmoid
    disparity at scales 0-3 (full, 1/2, 1/4, 1/8 of the input).

    The module has two parts with separate names, so the segmentation twin reuses the
    decoder by a plain state-dict load and only replaces the output layer:

    - ``convs``: the shared decoder, ``convs[i]`` is level ``i`` (output stride ``2^i``),
      ``convs[i].conv1`` the conv before upsampling, ``convs[i].conv2`` the conv after the
      skip concatenation;
    - ``disp_convs``: the output layer, one 3x3 conv per scale (``disp_convs['0']`` ...).

    Call graph::

        forward(inputs) -> decode(inputs) -> [feature of level i, i = 0..4]
                        -> predict_outputs(features) -> [sigmoid(disp_convs[s](f_s))]

    Monodepth2 ``depth.pth`` keys map as ``decoder.{2k}`` -> ``convs.{4-k}.conv1``,
    ``decoder.{2k+1}`` -> ``convs.{4-k}.conv2`` (k = 0..4, ``.conv.conv.`` -> ``.``) and
    ``decoder.{10+s}`` -> ``disp_convs.{s}``.

    Args:
        in_channels (Sequence[int]): Channels of the five encoder levels.
            Defaults to (64, 64, 128, 256, 512) (ResNet-18/34).
        channels (Sequence[int]): Decoder channels per level. Defaults to
            (16, 32, 64, 128, 256).
        scales (Sequence[int]): Levels with an output. Defaults to (0, 1, 2, 3).
        out_channels (int): Output channels per scale. Defaults to 1.
        use_skips (bool): Concatenate encoder features. Defaults to True.
        upsample_mode (str): Defaults to 'nearest'.
        init_disp (float, optional): Initial sigmoid output: the output convs' bias is set
            to ``logit(init_disp)`` so that an untrained network predicts about this
            disparity everywhere. With a metric stereo baseline the default output of 0.5
            means 0.2 m for depth range [0.1, 100]: every stereo warp then lands outside
            the image, where border sampling has no gradient, and training cannot start.
            ``0.01`` (about 9 m) starts inside the image. None keeps PyTorch's default
            init (Monodepth2's). Defaults to None.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(
        self,
        in_channels: Sequence[int] = (64, 64, 128, 256, 512),
        channels: Sequence[int] = (16, 32, 64, 128, 256),
        scales: Sequence[int] = (0, 1, 2, 3),
        out_channels: int = 1,
        use_skips: bool = True,
        upsample_mode: str = 'nearest',
        init_disp: Optional[float] = None,
        init_cfg: OptConfigType = None,
    ):
        super().__init__(init_cfg=init_cfg)
        if len(in_channels) != 5 or len(channels) != 5:
            raise ValueError(
                'DisparityHead needs five encoder levels and five decoder '
                f'channels, got in_channels={list(in_channels)}, '
                f'channels={list(channels)}'
            )
        if not scales or any(s not in range(5) for s in scales):
            raise ValueError(
                f'DisparityHead scales must be a non-empty subset of 0..4, got {list(scales)}'
            )
        self.in_channels = list(in_channels)
        self.channels = list(channels)
        self.scales = sorted(scales)
        self.out_channels = out_channels
        self.use_skips = use_skips
        self.align_corners = False
        self.convs = build_decoder_blocks(self.in_channels, self.channels, use_skips,
                                          upsample_mode)
        if init_disp is not None and not 0 < init_disp < 1:
            raise ValueError(f'DisparityHead init_disp must be in (0, 1), got {init_disp}')
        self.init_disp = init_disp
        self.build_output_layer()

    def build_output_layer(self) -> None:
        """Create the output layer (``disp_convs``); the segmentation twin overrides it."""
        self.disp_convs = nn.ModuleDict(
            {str(s): conv3x3(self.channels[s], self.out_channels) for s in self.scales}
        )
        if self.init_disp is not None:
            bias = math.log(self.init_disp / (1.0 - self.init_disp))
            for conv in self.disp_convs.values():
                nn.init.constant_(conv.bias, bias)

    def decode(self, inputs: Sequence[Tensor]) -> List[Tensor]:
        """Run the shared decoder.

        Args:
            inputs (Sequence[Tensor]): Five encoder levels, finest first.

        Returns:
            list[Tensor]: decoder features of levels 0..4 (index = level).
        """
        return run_decoder(self.convs, inputs, self.use_skips)

    def predict_outputs(self, feats: Sequence[Tensor]) -> List[Tensor]:
        """Apply the output layer: sigmoid disparity per scale (finest first)."""
        return [torch.sigmoid(self.disp_convs[str(s)](feats[s])) for s in self.scales]

    def forward(self, inputs: Sequence[Tensor]) -> List[Tensor]:
        """Predict disparities.

        Args:
            inputs (Sequence[Tensor]): Five encoder levels, finest first.

        Returns:
            list[Tensor]: ``(B, out_channels, H / 2^s, W / 2^s)`` in [0, 1] for each scale s
            in ``self.scales`` (ascending).
        """
        return self.predict_outputs(self.decode(inputs))
