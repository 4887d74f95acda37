"""Optical-flow decoder of the siamese flow pre-training baseline."""

from typing import List, Sequence

import torch
import torch.nn as nn
from mmseg.registry import MODELS
from torch import Tensor

from .disparity_head import DisparityHead, conv3x3

__all__ = ['FlowHead']


@MODELS.register_module()
class FlowHead(DisparityHead):
    """The depth decoder family with an unbounded 2-channel flow output per scale.

    The shared decoder (``convs``, see :class:`DisparityHead`) is unchanged; only the
    output layer differs: ``flow_convs[str(s)]`` is a 3x3 conv giving ``(u, v)`` without
    any activation (Lao et al., appendix B.3: "the same decoder as depth, 2 output
    channels"). For the siamese flow network the encoder features of both frames are
    concatenated per level, so ``in_channels`` are twice the encoder's.

    Units: every scale outputs flow as a fraction of the image size,
    ``(u / W, v / H)``, so a value means the same displacement at every scale and input
    resolution; multiply by ``(W, H)`` (done by :meth:`to_pixels`) for pixels.

    Args:
        in_channels (Sequence[int]): Channels of the five (concatenated) encoder levels.
            Defaults to (128, 128, 256, 512, 1024) (two ResNet-18/34 frames).
        out_channels (int): Must be 2. Defaults to 2.
        init_scale (float): The output convs' initial weights and biases are multiplied by
            this, so training starts near zero flow. Defaults to 0.01.
        **kwargs: Other :class:`DisparityHead` arguments (``channels``, ``scales``,
            ``use_skips``, ``upsample_mode``, ``init_cfg``).
    """

    def __init__(
        self,
        in_channels: Sequence[int] = (128, 128, 256, 512, 1024),
        out_channels: int = 2,
        init_scale: float = 0.01,
        **kwargs,
    ):
        if out_channels != 2:
            raise ValueError(
                f'FlowHead predicts (u, v): out_channels must be 2, got {out_channels}'
            )
        self.init_scale = float(init_scale)
        super().__init__(in_channels=in_channels, out_channels=out_channels, **kwargs)

    def build_output_layer(self) -> None:
        """Create ``flow_convs``: one 3x3 conv per scale, scaled down at initialisation."""
        self.flow_convs = nn.ModuleDict(
            {str(s): conv3x3(self.channels[s], self.out_channels) for s in self.scales}
        )
        with torch.no_grad():
            for conv in self.flow_convs.values():
                conv.weight.mul_(self.init_scale)
                conv.bias.mul_(self.init_scale)

    def predict_outputs(self, feats: Sequence[Tensor]) -> List[Tensor]:
        """Flow ``(B, 2, H / 2^s, W / 2^s)`` per scale (finest first), image-size units."""
        return [self.flow_convs[str(s)](feats[s]) for s in self.scales]

    @staticmethod
    def to_pixels(flow: Tensor, height: int, width: int) -> Tensor:
        """Convert image-size units to pixels of an ``height x width`` image."""
        return flow * flow.new_tensor([width, height]).view(1, 2, 1, 1)
