"""What the pre-training segmentors share: the batch format, the encoder and decoder."""
from typing import Tuple

from mmseg.models.segmentors import BaseSegmentor
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptConfigType
from torch import Tensor

from ..data_preprocessor import MultiFrameDataPreProcessor

__all__ = ['BasePretrainer']


class BasePretrainer(BaseSegmentor):
    """Base of the depth, flow and reconstruction pre-training models.

    Builds the multi-frame data preprocessor (the default when none is given), the encoder
    (``backbone``, optional ``neck``) and the decoder (``decode_head``), so every
    pre-training model stores them under the same names and the converters can turn any of
    them into a segmentation initialisation.

    Args:
        backbone (ConfigType): Encoder config.
        decode_head (ConfigType): Decoder config.
        neck (OptConfigType): Optional neck. Defaults to None.
        train_cfg (OptConfigType): Unused. Defaults to None.
        test_cfg (OptConfigType): Unused. Defaults to None.
        data_preprocessor (OptConfigType): Defaults to :class:`MultiFrameDataPreProcessor`.
        init_cfg (OptConfigType): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 backbone: ConfigType,
                 decode_head: ConfigType,
                 neck: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptConfigType = None):
        if data_preprocessor is None:
            data_preprocessor = MultiFrameDataPreProcessor()
        elif isinstance(data_preprocessor, dict):
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.train_cfg, self.test_cfg = train_cfg, test_cfg
        self.backbone = MODELS.build(backbone)
        if neck is not None:
            self.neck = MODELS.build(neck)
        self.decode_head = MODELS.build(decode_head)
        self.align_corners = False

    def extract_feat(self, inputs: Tensor) -> Tuple[Tensor, ...]:
        """Encode normalised images ``(N, 3, H, W)`` (backbone, then neck)."""
        x = self.backbone(inputs)
        if self.with_neck:
            x = self.neck(x)
        return x
