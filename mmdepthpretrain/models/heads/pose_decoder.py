"""Relative camera pose decoder."""

from typing import Optional, Sequence, Tuple

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
        scale (float): Output scale (Monodepth2's 0.01). Defaults to 0.01.
        translation_scale (float, optional): A separate scale for the translation, which
            is in the units of the depth. Monodepth2's 0.01 is in units of its 0.1 stereo
            baseline (about 0.05 in metres); with a metric baseline, a metric initial depth
            (``DisparityHead(init_disp=0.01)``, about 9 m) and a camera moving about a metre
            per frame, 0.1 reaches the right translation early. In short runs from random
            initialisation the starting ratio of translation to depth decides the units
            that M training settles in: if the translation cannot grow fast enough the depth
            shrinks instead, down to ``min_depth``. None uses ``scale``. Defaults to None.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(
        self,
        in_channels: int = 512,
        num_input_features: int = 1,
        num_frames: int = 1,
        channels: int = 256,
        scale: float = 0.01,
        translation_scale: Optional[float] = None,
        init_cfg: OptConfigType = None,
    ):
        super().__init__(init_cfg=init_cfg)
        self.num_input_features = num_input_features
        self.num_frames = num_frames
        self.scale = scale
        self.translation_scale = translation_scale
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
        out = self.pose_convs(x).mean(dim=(2, 3)).reshape(-1, self.num_frames, 6)
        t_scale = self.scale if self.translation_scale is None else self.translation_scale
        return out[..., :3] * self.scale, out[..., 3:] * t_scale
