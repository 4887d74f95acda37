"""The DPT decoder of Depth Anything and MiDaS, shared by the depth and segmentation heads.

Structure (Ranftl et al., ICCV 2021; Depth Anything v1/v2 and MiDaS v3.1 code, REFERENCE.md
Sec. 6), deepest level last in ``inputs``:

1. reassemble: optional readout projection of the cls token (``Linear(2C, C) + GELU`` on
   ``[patch, cls]``), a 1x1 projection to ``post_process_channels[i]`` and a resize by
   ``reassemble_factors[i]`` (transposed conv for 4 and 2, identity for 1, 3x3 stride-2 conv
   for 0.5);
2. ``lateral_convs``: 3x3 convs without bias to ``features`` channels;
3. ``fusion_blocks`` from the deepest level up: ``x + rcu1(lateral)``, ``rcu2``, bilinear
   upsampling (``align_corners=True``) and a 1x1 conv; a residual conv unit is
   ``conv2(relu(conv1(relu(x)))) + x`` with biased convs. Block 0 (the deepest) has no
   lateral input and so no ``res_unit1`` (the sources carry an unused one, which the
   converters drop);
4. ``output_conv1`` (3x3 to ``features / 2``), upsampling to the input resolution,
   ``output_conv2`` (3x3 to ``head_channels``) and ReLU: the features the depth output
   (``conv_depth``) or the segmentation classifier (``conv_seg``) read.

Why mmseg's ``DPTHead`` does not serve: its residual conv units have no conv bias (the
sources' have), it always upsamples by exactly 2 (Depth Anything resizes to the next
level's size, which differs when the patch grid is odd), its output is a normed 3x3
``project`` + classifier at ``grid x 8`` instead of this output branch at the input
resolution; so Depth Anything and MiDaS weights cannot reproduce their source through it.
It still fits as a segmentation head on :class:`PlainViT` with ``readout='cls_token'``
when no decoder is transferred.

``fusion_resize`` selects the resizing convention: ``'size'`` (Depth Anything, MiDaS v3.1,
Hugging Face ``DepthAnything``: each fusion upsamples to the next lateral's size, the last
by 2, and the output to ``grid * patch_size``) or ``'scale'`` (Hugging Face ``DPT``: every
fusion upsamples by 2, a lateral of another size is resized to the fused map
(``align_corners=False``), and the output by 2). They agree when the patch grid is even.
"""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

__all__ = ['DPTDecoder', 'ResidualConvUnit', 'FusionBlock', 'ReassembleStage', 'split_inputs']

FUSION_RESIZE = ('size', 'scale')
READOUT_TYPES = ('ignore', 'add', 'project')


def split_inputs(inputs: Sequence) -> Tuple[List[Tensor], List[Optional[Tensor]]]:
    """Maps and cls tokens of backbone outputs given as maps or ``(map, cls)`` pairs."""
    maps, cls = [], []
    for x in inputs:
        if isinstance(x, (tuple, list)):
            maps.append(x[0])
            cls.append(x[1])
        else:
            maps.append(x)
            cls.append(None)
    return maps, cls


def _resize_layer(channels: int, factor: float) -> nn.Module:
    if factor > 1:
        return nn.ConvTranspose2d(channels, channels, int(factor), stride=int(factor))
    if factor == 1:
        return nn.Identity()
    return nn.Conv2d(channels, channels, 3, stride=int(round(1 / factor)), padding=1)


class ReassembleStage(nn.Module):
    """Tokens to multi-scale maps: readout, 1x1 projection, resize.

    Args:
        embed_dims (int): ViT width.
        post_process_channels (Sequence[int]): Channels per level.
        reassemble_factors (Sequence[float]): Resize factor per level.
        readout_type (str): ``'ignore'``, ``'add'`` or ``'project'``.
    """

    def __init__(self, embed_dims: int, post_process_channels: Sequence[int],
                 reassemble_factors: Sequence[float], readout_type: str = 'ignore'):
        super().__init__()
        if readout_type not in READOUT_TYPES:
            raise ValueError(f'readout_type must be one of {READOUT_TYPES}, got '
                             f'{readout_type!r}')
        if len(reassemble_factors) < len(post_process_channels):
            raise ValueError(f'{len(post_process_channels)} levels need as many '
                             f'reassemble_factors, got {list(reassemble_factors)}')
        self.readout_type = readout_type
        self.projects = nn.ModuleList(
            [nn.Conv2d(embed_dims, c, 1) for c in post_process_channels])
        self.resize_layers = nn.ModuleList(
            [_resize_layer(c, f) for c, f in zip(post_process_channels, reassemble_factors)])
        if readout_type == 'project':
            self.readout_projects = nn.ModuleList([
                nn.Sequential(nn.Linear(2 * embed_dims, embed_dims), nn.GELU())
                for _ in post_process_channels
            ])

    def forward(self, inputs: Sequence) -> List[Tensor]:
        """Reassemble one map (or ``(map, cls)`` pair) per level."""
        maps, cls_tokens = split_inputs(inputs)
        out = []
        for i, (x, cls) in enumerate(zip(maps, cls_tokens)):
            if self.readout_type != 'ignore':
                if cls is None:
                    raise ValueError(f"readout_type {self.readout_type!r} needs the cls token: "
                                     "build the backbone with readout='cls_token'")
                if self.readout_type == 'project':
                    b, c, h, w = x.shape
                    seq = x.flatten(2).transpose(1, 2)
                    seq = torch.cat([seq, cls[:, None, :].expand_as(seq)], dim=-1)
                    x = self.readout_projects[i](seq).transpose(1, 2).reshape(b, c, h, w)
                else:
                    x = x + cls[:, :, None, None]
            out.append(self.resize_layers[i](self.projects[i](x)))
        return out


class ResidualConvUnit(nn.Module):
    """``conv2(relu(conv1(relu(x)))) + x`` with biased 3x3 convs."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: Tensor) -> Tensor:
        """Apply the unit."""
        return self.conv2(F.relu(self.conv1(F.relu(x)))) + x


class FusionBlock(nn.Module):
    """Fuse a coarser map with a lateral one, upsample, project.

    Args:
        channels (int): Feature channels.
        with_lateral (bool): Whether the block takes a lateral input (all but the deepest).
    """

    def __init__(self, channels: int, with_lateral: bool = True):
        super().__init__()
        self.res_unit1 = ResidualConvUnit(channels) if with_lateral else None
        self.res_unit2 = ResidualConvUnit(channels)
        self.out_conv = nn.Conv2d(channels, channels, 1)

    def forward(self, x: Tensor, lateral: Optional[Tensor] = None,
                size: Optional[Tuple[int, int]] = None) -> Tensor:
        """``out_conv(up(rcu2(x + rcu1(lateral))))``; ``size`` None upsamples by 2."""
        if lateral is not None:
            if lateral.shape[-2:] != x.shape[-2:]:
                lateral = F.interpolate(lateral, size=x.shape[-2:], mode='bilinear',
                                        align_corners=False)
            x = x + self.res_unit1(lateral)
        x = self.res_unit2(x)
        if size is None:
            x = F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=True)
        else:
            x = F.interpolate(x, size=tuple(size), mode='bilinear', align_corners=True)
        return self.out_conv(x)


class DPTDecoder(nn.Module):
    """Reassemble, fuse and upsample ViT outputs to ``head_channels`` features at input size.

    Args:
        embed_dims (int): ViT width.
        post_process_channels (Sequence[int]): Reassembled channels per level,
            e.g. ``[256, 512, 1024, 1024]`` (Depth Anything L).
        features (int): Fusion width. Defaults to 256.
        reassemble_factors (Sequence[float]): Defaults to (4, 2, 1, 0.5).
        readout_type (str): Defaults to 'ignore'.
        patch_size (int): ViT patch size (output size ``grid * patch_size``).
            Defaults to 14.
        fusion_resize (str): ``'size'`` or ``'scale'`` (see module doc). Defaults to 'size'.
        head_channels (int): Channels of ``output_conv2``. Defaults to 32.
    """

    def __init__(self, embed_dims: int, post_process_channels: Sequence[int],
                 features: int = 256, reassemble_factors: Sequence[float] = (4, 2, 1, 0.5),
                 readout_type: str = 'ignore', patch_size: int = 14,
                 fusion_resize: str = 'size', head_channels: int = 32):
        super().__init__()
        if fusion_resize not in FUSION_RESIZE:
            raise ValueError(f'fusion_resize must be one of {FUSION_RESIZE}, got '
                             f'{fusion_resize!r}')
        self.num_levels = len(post_process_channels)
        self.patch_size = patch_size
        self.fusion_resize = fusion_resize
        self.reassemble = ReassembleStage(embed_dims, post_process_channels,
                                          reassemble_factors, readout_type)
        self.lateral_convs = nn.ModuleList([
            nn.Conv2d(c, features, 3, padding=1, bias=False) for c in post_process_channels
        ])
        self.fusion_blocks = nn.ModuleList(
            [FusionBlock(features, with_lateral=j > 0) for j in range(self.num_levels)])
        self.output_conv1 = nn.Conv2d(features, features // 2, 3, padding=1)
        self.output_conv2 = nn.Conv2d(features // 2, head_channels, 3, padding=1)

    def forward(self, inputs: Sequence[Union[Tensor, tuple]]) -> Tensor:
        """Decode.

        Args:
            inputs (Sequence): One backbone output per level (map or ``(map, cls)``),
                the finest-resolution level first.

        Returns:
            Tensor: ``(B, head_channels, grid_h * p, grid_w * p)`` after ReLU (``'size'``),
            or twice the last fused resolution (``'scale'``).
        """
        if len(inputs) != self.num_levels:
            raise ValueError(f'the DPT decoder has {self.num_levels} levels but got '
                             f'{len(inputs)} backbone outputs; match the backbone out_indices')
        grid = split_inputs(inputs)[0][0].shape[-2:]
        lateral = [conv(f) for conv, f in zip(self.lateral_convs, self.reassemble(inputs))]
        x = None
        for j, block in enumerate(self.fusion_blocks):
            level = self.num_levels - 1 - j
            size = None
            if self.fusion_resize == 'size' and level > 0:
                size = lateral[level - 1].shape[-2:]
            x = block(lateral[level], None, size) if x is None else block(x, lateral[level],
                                                                          size)
        x = self.output_conv1(x)
        if self.fusion_resize == 'size':
            out = (int(grid[0] * self.patch_size), int(grid[1] * self.patch_size))
            x = F.interpolate(x, size=out, mode='bilinear', align_corners=True)
        else:
            x = F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=True)
        return F.relu(self.output_conv2(x))
