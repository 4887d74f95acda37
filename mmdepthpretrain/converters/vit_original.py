"""Our Depth Anything depth model written in the original release layout.

The inverse of :func:`~mmdepthpretrain.converters.vit_to_mmdp` for Depth Anything v1/v2
files (the key table in ``models/decode_heads/depth_anything_head.py``): ``backbone.*`` ->
``pretrained.*`` (plus the ``mask_token`` the release carries), the DPT head under
``depth_head.`` with its ``projects``, ``resize_layers``, ``scratch.layer{k}_rn``,
``scratch.refinenet{k}`` (including the deepest block's unused ``resConfUnit1``, which the
release carries and the converter drops), ``scratch.output_conv1`` and
``scratch.output_conv2.{0,2}``. It lets a machine without the released weights make a
file of the released shape (randomly initialised) to run the conversion and the
fine-tuning journey end to end; numbers obtained from such a file say nothing about
Depth Anything.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from typing import Mapping, Optional

import torch
from torch import Tensor

from .common import ConversionError

__all__ = ['to_depth_anything_layout']

_DEC = 'decode_head.decoder.'
_FUSION = re.compile(r'^fusion_blocks\.(\d+)\.(out_conv|res_unit(\d)\.conv(\d))\.(weight|bias)$')


def to_depth_anything_layout(state: Mapping[str, Tensor],
                             generator: Optional[torch.Generator] = None
                             ) -> OrderedDict[str, Tensor]:
    """Map a depth model's ``backbone.*`` / ``decode_head.*`` to ``pretrained.*`` /
    ``depth_head.*``.

    Args:
        state (Mapping[str, Tensor]): State dict of an mmseg ``DepthEstimator`` with a
            :class:`PlainViT` backbone and a :class:`DepthAnythingHead`.
        generator (torch.Generator, optional): Draws the two tensors our model does not
            have (``mask_token``, zeros in the release before training, and the unused
            residual unit of the deepest fusion block). Defaults to None.

    Returns:
        OrderedDict: The original layout.
    """
    out: OrderedDict[str, Tensor] = OrderedDict()
    levels = len({k for k in state if re.match(rf'^{re.escape(_DEC)}reassemble\.projects\.\d+'
                                               r'\.weight$', k)})
    if not levels or not any(k.startswith('backbone.') for k in state):
        raise ConversionError('to_depth_anything_layout: needs backbone.* and a Depth Anything '
                              'head (decode_head.decoder.reassemble.projects.*)')
    for key, value in state.items():
        if key.startswith('backbone.'):
            out['pretrained.' + key[len('backbone.'):]] = value.clone()
            continue
        if key.startswith('decode_head.conv_depth.'):
            out['depth_head.scratch.output_conv2.2.' + key.rpartition('.')[2]] = value.clone()
            continue
        if not key.startswith(_DEC):
            raise ConversionError(f'to_depth_anything_layout: no original name for {key}')
        rest = key[len(_DEC):]
        fusion = _FUSION.match(rest)
        lateral = re.match(r'^lateral_convs\.(\d+)\.weight$', rest)
        if rest.startswith('reassemble.'):
            name = rest[len('reassemble.'):]
        elif lateral:
            name = f'scratch.layer{int(lateral.group(1)) + 1}_rn.weight'
        elif fusion:
            k = levels - int(fusion.group(1))
            part = ('out_conv' if fusion.group(2) == 'out_conv' else
                    f'resConfUnit{fusion.group(3)}.conv{fusion.group(4)}')
            name = f'scratch.refinenet{k}.{part}.{fusion.group(5)}'
        elif rest.startswith('output_conv1.'):
            name = 'scratch.' + rest
        elif rest.startswith('output_conv2.'):
            name = 'scratch.output_conv2.0.' + rest.rpartition('.')[2]
        else:
            raise ConversionError(f'to_depth_anything_layout: no original name for {key}')
        out['depth_head.' + name] = value.clone()
    cls = state['backbone.cls_token']
    out['pretrained.mask_token'] = torch.zeros(1, cls.shape[-1], dtype=cls.dtype)
    for conv in ('conv1', 'conv2'):  # the deepest block's first unit: unused, random
        like = out[f'depth_head.scratch.refinenet{levels}.resConfUnit2.{conv}.weight']
        w = torch.randn(like.shape, generator=generator) / like[0].numel() ** 0.5
        out[f'depth_head.scratch.refinenet{levels}.resConfUnit1.{conv}.weight'] = w
        out[f'depth_head.scratch.refinenet{levels}.resConfUnit1.{conv}.bias'] = \
            torch.zeros(like.shape[0])
    return out
