"""Cityscapes segmentation read from ``*_gtFine_labelIds.png`` (no label conversion step)."""
from typing import Dict, Optional, Sequence

from mmseg.datasets import CityscapesDataset
from mmseg.registry import DATASETS

from .kitti_semantic import cityscapes_id_label_map

__all__ = ['CityscapesLabelIdsDataset']


@DATASETS.register_module()
class CityscapesLabelIdsDataset(CityscapesDataset):
    """mmseg's ``CityscapesDataset`` reading label ids and mapping them to train ids on load.

    mmseg expects ``*_gtFine_labelTrainIds.png`` made by a conversion script; this variant
    reads the ``*_gtFine_labelIds.png`` files of the Cityscapes download (and of the
    synthetic world) directly and maps the 34 label ids to the 19 train ids (others to 255)
    through ``label_map``, which mmseg's ``LoadAnnotations`` applies.

    Args:
        seg_map_suffix (str): Defaults to '_gtFine_labelIds.png'.
        **kwargs: Passed to :class:`mmseg.datasets.CityscapesDataset`.
    """

    def __init__(self, seg_map_suffix: str = '_gtFine_labelIds.png', **kwargs) -> None:
        super().__init__(seg_map_suffix=seg_map_suffix, **kwargs)

    @classmethod
    def get_label_map(cls, new_classes: Optional[Sequence] = None) -> Dict[int, int]:
        """Cityscapes label id -> train id, composed with a class-subset remap."""
        return cityscapes_id_label_map(super().get_label_map(new_classes))
