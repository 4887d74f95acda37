"""NYUv2 semantic segmentation with the 40-class labels (Gupta et al., CVPR 2013)."""
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

__all__ = ['NYUSegDataset']

NYU40_CLASSES = (
    'wall', 'floor', 'cabinet', 'bed', 'chair', 'sofa', 'table', 'door', 'window',
    'bookshelf', 'picture', 'counter', 'blinds', 'desk', 'shelves', 'curtain', 'dresser',
    'pillow', 'mirror', 'floor mat', 'clothes', 'ceiling', 'books', 'refrigerator',
    'television', 'paper', 'towel', 'shower curtain', 'box', 'whiteboard', 'person',
    'night stand', 'toilet', 'sink', 'lamp', 'bathtub', 'bag', 'otherstructure',
    'otherfurniture', 'otherprop')


@DATASETS.register_module()
class NYUSegDataset(BaseSegDataset):
    """NYUv2 segmentation (795 train / 654 test) in mmseg's NYU folder layout.

    Layout::

        data_root/images/{train,test}/<name>.jpg
        data_root/annotations/{train,test}/<name>.png   uint8 NYU-40 ids, 0 = unlabelled

    Ids 1..40 become train ids 0..39 and 0 becomes 255 (``reduce_zero_label=True``).

    Args:
        img_suffix (str): Defaults to '.jpg'.
        seg_map_suffix (str): Defaults to '.png'.
        reduce_zero_label (bool): Defaults to True.
        **kwargs: Passed to :class:`mmseg.datasets.BaseSegDataset`.
    """

    METAINFO = dict(
        classes=NYU40_CLASSES,
        palette=[[(37 * i) % 256, (91 * i) % 256, (173 * i) % 256]
                 for i in range(1, len(NYU40_CLASSES) + 1)])

    def __init__(self, img_suffix: str = '.jpg', seg_map_suffix: str = '.png',
                 reduce_zero_label: bool = True, **kwargs) -> None:
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix,
                         reduce_zero_label=reduce_zero_label, **kwargs)
