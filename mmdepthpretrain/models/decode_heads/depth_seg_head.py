"""The depth decoder with a segmentation classifier: the segmentation twin of DisparityHead."""

from typing import List, Sequence

from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from torch import Tensor

from .disparity_head import build_decoder_blocks, run_decoder

__all__ = ['DepthSegHead']


@MODELS.register_module()
class DepthSegHead(BaseDecodeHead):
    """Segmentation head that *is* the multi-scale depth decoder plus a fresh classifier.

    This is the "best practice" setup (b) of Lao et al. (Fig. 1): the whole depth network
    (encoder and decoder) initialises the segmentation network and only the last layer is
    replaced. The shared decoder is built by the same function as :class:`DisparityHead`
    and has the same parameter names (``convs.{i}.conv1``, ``convs.{i}.conv2``), so a depth
    checkpoint converted with ``tools/model_converters/pretrain_to_seg.py --mode full`` loads
    with a plain state-dict load and only ``conv_seg`` (a 1x1 classifier on the finest,
    full-resolution decoder level) stays fresh.

    Args:
        in_channels (Sequence[int]): Channels of the five encoder levels.
            Defaults to (64, 64, 128, 256, 512) (ResNet-18/34).
        channels (Sequence[int]): Decoder channels per level, finest first.
            Defaults to (16, 32, 64, 128, 256).
        num_classes (int): Number of classes.
        use_skips (bool): Concatenate encoder features. Defaults to True.
        upsample_mode (str): Defaults to 'nearest'.
        dropout_ratio (float): Dropout before the classifier. Defaults to 0.
        **kwargs: Other arguments of :class:`mmseg.models.decode_heads.BaseDecodeHead`
            (``loss_decode``, ``ignore_index``, ``align_corners``, ``init_cfg`` ...).
    """

    def __init__(
        self,
        in_channels: Sequence[int] = (64, 64, 128, 256, 512),
        channels: Sequence[int] = (16, 32, 64, 128, 256),
        *,
        num_classes: int,
        use_skips: bool = True,
        upsample_mode: str = 'nearest',
        dropout_ratio: float = 0.0,
        **kwargs,
    ):
        if len(in_channels) != 5 or len(channels) != 5:
            raise ValueError(
                'DepthSegHead needs five encoder levels and five decoder '
                f'channels, got in_channels={list(in_channels)}, '
                f'channels={list(channels)}'
            )
        super().__init__(
            in_channels=list(in_channels),
            channels=channels[0],
            num_classes=num_classes,
            dropout_ratio=dropout_ratio,
            in_index=[0, 1, 2, 3, 4],
            input_transform='multiple_select',
            **kwargs,
        )
        self.decoder_channels = list(channels)
        self.use_skips = use_skips
        self.convs = build_decoder_blocks(
            list(in_channels), self.decoder_channels, use_skips, upsample_mode
        )

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        """Decode five encoder levels into full-resolution class logits.

        Args:
            inputs (Sequence[Tensor]): Encoder levels, finest (stride 2) first.

        Returns:
            Tensor: ``(B, num_classes, H, W)`` logits at the decoder's finest level.
        """
        feats: List[Tensor] = run_decoder(
            self.convs, self._transform_inputs(inputs), self.use_skips
        )
        return self.cls_seg(feats[0])
