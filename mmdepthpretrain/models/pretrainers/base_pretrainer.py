"""What the pre-training algorithms share: the batch format, the encoder and decoder."""
from typing import Optional, Sequence, Tuple, Union

from mmseg.models.segmentors import BaseSegmentor
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptConfigType, OptSampleList
from torch import Tensor

from ..data_preprocessor import MultiFrameDataPreProcessor

__all__ = ['BasePretrainer', 'ordered_frames']

FrameId = Union[int, str]


def ordered_frames(
    inputs: dict,
    data_samples: OptSampleList,
    frame_ids: Sequence[FrameId],
    owner: str,
    default_ids: Optional[Sequence[FrameId]] = None,
) -> Tuple[Tensor, Tensor]:
    """``imgs`` and ``aug`` of the preprocessor with their frames in ``frame_ids`` order.

    The batch's frame order comes from the samples' ``metainfo['frame_ids']`` (or is
    assumed to be ``default_ids``, else ``frame_ids``, when the samples carry none).

    Args:
        inputs (dict): ``imgs`` and ``aug``, each ``(B, F, 3, H, W)``.
        data_samples (list, optional): Samples of the batch.
        frame_ids (Sequence[int | str]): Frames wanted, in order.
        owner (str): Class name used in error messages.
        default_ids (Sequence[int | str], optional): The batch's frames when the samples
            do not say (e.g. the model's full ``frame_ids`` when only the target is
            wanted). Defaults to None (``frame_ids``).

    Returns:
        tuple[Tensor, Tensor]: ``imgs`` and ``aug`` restricted to and ordered as
        ``frame_ids``.
    """
    frame_ids = list(frame_ids)
    n = inputs['imgs'].shape[1]
    data_ids = data_samples[0].metainfo.get('frame_ids') if data_samples else None
    if data_ids is None:
        data_ids = list(frame_ids if default_ids is None else default_ids)[:n]
    data_ids = list(data_ids)
    missing = [f for f in frame_ids if f not in data_ids]
    if missing:
        raise KeyError(
            f'{owner}: the batch has frames {data_ids} but the model needs '
            f"{frame_ids} (missing {missing}); set the dataset's frame_ids "
            "(train and val) to include the model's"
        )
    order = [data_ids.index(f) for f in frame_ids]
    if order == list(range(n)):
        return inputs['imgs'], inputs['aug']
    return inputs['imgs'][:, order], inputs['aug'][:, order]


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
