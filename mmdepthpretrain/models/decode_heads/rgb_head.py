"""RGB decoder of the masked-reconstruction (inpainting) pre-training baseline."""

from typing import List, Sequence

import torch
import torch.nn as nn
from mmseg.registry import MODELS
from torch import Tensor

from .disparity_head import DisparityHead, conv3x3

__all__ = ['RGBHead']


@MODELS.register_module()
class RGBHead(DisparityHead):
    """The depth decoder family predicting an RGB image in [0, 1] (sigmoid) per scale.

    Used by the masked-reconstruction (inpainting) baseline; the output layer is
    ``rgb_convs[str(s)]`` (3x3 conv, 3 channels, sigmoid).

    Args:
        out_channels (int): Must be 3. Defaults to 3.
        scales (Sequence[int]): Levels with an output. Defaults to (0,) (input
            resolution only).
        **kwargs: Other :class:`DisparityHead` arguments.
    """

    def __init__(self, out_channels: int = 3, scales: Sequence[int] = (0,), **kwargs):
        if out_channels != 3:
            raise ValueError(f'RGBHead predicts RGB: out_channels must be 3, got {out_channels}')
        super().__init__(out_channels=out_channels, scales=scales, **kwargs)

    def build_output_layer(self) -> None:
        """Create ``rgb_convs``: one 3x3 conv per scale."""
        self.rgb_convs = nn.ModuleDict(
            {str(s): conv3x3(self.channels[s], self.out_channels) for s in self.scales}
        )

    def predict_outputs(self, feats: Sequence[Tensor]) -> List[Tensor]:
        """RGB ``(B, 3, H / 2^s, W / 2^s)`` in [0, 1] per scale (finest first)."""
        return [torch.sigmoid(self.rgb_convs[str(s)](feats[s])) for s in self.scales]
