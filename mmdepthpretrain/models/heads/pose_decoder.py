"""Relative camera pose decoder."""

from typing import Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from mmseg.utils import OptConfigType
from torch import Tensor

__all__ = ['PoseDecoder']


@MODELS.register_module()
class PoseDecoder(BaseModule):
    """Regress axis-angle rotation and translation from encoder features.

    Godard et al., ICCV 2019, Sec. 4 and supplementary Table 5 (after Zhou et al.,
    CVPR 2017): a 1x1 "squeeze" conv with ReLU on each input's last encoder level, the
    squeezed maps concatenated, two 3x3 convs with ReLU, a 1x1 conv to ``6 * num_frames``
    channels, a spatial mean and a 0.01 scale; the first three numbers are the rotation
    vector, the last three the translation.

    Args:
        in_channels (int): Channels of the last encoder level. Defaults to 512.
        num_input_features (int): Feature maps concatenated after squeezing (1 for a
            2-frame pose encoder, 2 for the shared-encoder variant). Defaults to 1.
        num_frames (int): Poses predicted per input. Defaults to 1.
        channels (int): Hidden channels. Defaults to 256.
        scale (float): Output scale. Defaults to 0.01.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(
        self,
        in_channels: int = 512,
        num_input_features: int = 1,
        num_frames: int = 1,
        channels: int = 256,
        scale: float = 0.01,
        init_cfg: OptConfigType = None,
    ):
        super().__init__(init_cfg=init_cfg)
        self.num_input_features = num_input_features
        self.num_frames = num_frames
        self.scale = scale
        self.squeeze = nn.Conv2d(in_channels, channels, 1)
        self.pose_convs = nn.Sequential(
            nn.Conv2d(num_input_features * channels, channels, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels, channels, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels, 6 * num_frames, 1),
        )

    def forward(self, features: Sequence[Tensor]) -> Tuple[Tensor, Tensor]:
        """Predict poses.

        Args:
            features (Sequence[Tensor]): ``num_input_features`` last-level feature maps
                ``(B, in_channels, h, w)``.

        Returns:
            tuple[Tensor, Tensor]: axis-angle ``(B, num_frames, 3)`` and translation
            ``(B, num_frames, 3)``.
        """
        if len(features) != self.num_input_features:
            raise ValueError(
                f'PoseDecoder expects {self.num_input_features} feature maps, got {len(features)}'
            )
        x = torch.cat([F.relu(self.squeeze(f)) for f in features], dim=1)
        out = self.pose_convs(x).mean(dim=(2, 3)) * self.scale
        out = out.reshape(-1, self.num_frames, 6)
        return out[..., :3], out[..., 3:]
