"""KITTI semantic segmentation (KITTI 2015 semantics) with a small labelled subset."""

import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmseg.datasets import BaseSegDataset, CityscapesDataset
from mmseg.registry import DATASETS

__all__ = [
    'KittiSemanticDataset', 'CITYSCAPES_ID_TO_TRAINID', 'KITTI7_TRAIN_IDS',
    'cityscapes_id_label_map'
]

# Cityscapes label id -> train id (Cityscapes scripts, labels.py); others are ignored.
CITYSCAPES_ID_TO_TRAINID: Dict[int, int] = {
    7: 0,
    8: 1,
    11: 2,
    12: 3,
    13: 4,
    17: 5,
    19: 6,
    20: 7,
    21: 8,
    22: 9,
    23: 10,
    24: 11,
    25: 12,
    26: 13,
    27: 14,
    28: 15,
    31: 16,
    32: 17,
    33: 18,
}


def cityscapes_id_label_map(subset_map: Optional[Dict[int, int]] = None) -> Dict[int, int]:
    """Label map from the 34 Cityscapes label ids to train ids (others -> 255).

    Args:
        subset_map (dict, optional): mmseg's train-id remap for a class subset, applied
            after the id -> train id map. Defaults to None.
    """
    full = {i: CITYSCAPES_ID_TO_TRAINID.get(i, 255) for i in range(34)}
    if subset_map:
        full = {i: (subset_map.get(t, 255) if t != 255 else 255) for i, t in full.items()}
    return full


# The paper's 7 KITTI classes: road, sidewalk, building, vegetation, terrain, sky, car.
KITTI7_TRAIN_IDS = (0, 1, 2, 8, 9, 10, 13)


@DATASETS.register_module()
class KittiSemanticDataset(BaseSegDataset):
    """KITTI semantics with a labelled training subset and the rest for testing.

    Layout (the KITTI 2015 semantics download)::

        data_root/data_semantics/training/image_2/000000_10.png ...
        data_root/data_semantics/training/semantic/000000_10.png ...  (Cityscapes ids)

    Images are sorted by name. ``split='train'`` keeps ``num_labelled`` of them
    (``subset_mode``: the first N, a seeded random N, or the names listed in
    ``subset_file``); ``split='test'`` keeps all the others; ``split='all'`` keeps
    every image. Labels are Cityscapes label ids mapped to the 19 Cityscapes train ids
    (255 = ignore) through ``label_map``, which mmseg's ``LoadAnnotations`` applies
    (use it with ``reduce_zero_label=False``, the default).

    Args:
        data_root (str): Root holding ``data_semantics``.
        split (str): 'train', 'test' or 'all'. Defaults to 'train'.
        num_labelled (int): Size of the labelled training subset. Defaults to 16.
        subset_mode (str): 'first', 'random' or 'list'. Defaults to 'first'.
        seed (int): Seed of the 'random' subset. Defaults to 0.
        subset_file (str, optional): For 'list': file with one image name per line
            (``000042_10``, ``000042_10.png`` or ``000042``), relative to ``data_root``
            unless absolute. Defaults to None.
        data_prefix (dict): Image / label folders. Defaults to the KITTI layout.
        img_suffix (str): Defaults to '_10.png'.
        seg_map_suffix (str): Defaults to '_10.png'.
        **kwargs: Passed to mmseg's ``BaseSegDataset``.
    """

    METAINFO = dict(
        classes=CityscapesDataset.METAINFO['classes'], palette=CityscapesDataset.METAINFO['palette']
    )

    def __init__(
        self,
        split: str = 'train',
        num_labelled: int = 16,
        subset_mode: str = 'first',
        seed: int = 0,
        subset_file: Optional[str] = None,
        data_prefix: Optional[dict] = None,
        img_suffix: str = '_10.png',
        seg_map_suffix: str = '_10.png',
        **kwargs,
    ) -> None:
        if split not in ('train', 'test', 'all'):
            raise ValueError(f"split must be 'train', 'test' or 'all', got {split!r}")
        if subset_mode not in ('first', 'random', 'list'):
            raise ValueError(
                f"subset_mode must be 'first', 'random' or 'list', got {subset_mode!r}"
            )
        if subset_mode == 'list' and not subset_file:
            raise ValueError("subset_mode='list' needs subset_file")
        if data_prefix is None:
            data_prefix = dict(
                img_path='data_semantics/training/image_2',
                seg_map_path='data_semantics/training/semantic',
            )
        self.split = split
        self.num_labelled = int(num_labelled)
        self.subset_mode = subset_mode
        self.seed = seed
        self.subset_file = subset_file
        super().__init__(
            data_prefix=data_prefix, img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs
        )

    @classmethod
    def get_label_map(cls, new_classes: Optional[Sequence] = None) -> Dict[int, int]:
        """Cityscapes label id -> train id, composed with a class-subset remap."""
        return cityscapes_id_label_map(super().get_label_map(new_classes))

    def _update_palette(self) -> list:
        classes = self._metainfo.get('classes', [])
        lut = dict(zip(self.METAINFO['classes'], self.METAINFO['palette']))
        if all(c in lut for c in classes):
            return [lut[c] for c in classes]
        return super()._update_palette()

    def _names(self, img_dir: str) -> List[str]:
        if not osp.isdir(img_dir):
            raise FileNotFoundError(f'KITTI semantics image folder not found: {img_dir}')
        names = sorted(
            n[: -len(self.img_suffix)] for n in os.listdir(img_dir) if n.endswith(self.img_suffix)
        )
        if not names:
            raise ValueError(f'No image matching *{self.img_suffix} in {img_dir}')
        return names

    def _labelled(self, names: List[str]) -> List[str]:
        if self.subset_mode == 'list':
            path = self.subset_file
            if not osp.isabs(path) and self.data_root:
                path = osp.join(self.data_root, path)
            if not osp.isfile(path):
                raise FileNotFoundError(f'Labelled subset list not found: {path}')
            stem_suffix = osp.splitext(self.img_suffix)[0]
            wanted = []
            with open(path) as f:
                for line in f:
                    if not line.strip():
                        continue
                    n = osp.basename(line.split()[0])
                    if n.lower().endswith(('.png', '.jpg', '.jpeg')):
                        n = osp.splitext(n)[0]
                    if stem_suffix and n.endswith(stem_suffix):
                        n = n[: -len(stem_suffix)]
                    wanted.append(n)
            missing = sorted(set(wanted) - set(names))
            if missing:
                raise ValueError(
                    f'{path}: {len(missing)} listed images are not in the '
                    f'dataset, e.g. {missing[:3]}'
                )
            return sorted(set(wanted))
        if self.num_labelled > len(names):
            raise ValueError(f'num_labelled={self.num_labelled} but only {len(names)} images')
        if self.subset_mode == 'first':
            return names[: self.num_labelled]
        perm = np.random.default_rng(self.seed).permutation(len(names))
        return sorted(names[i] for i in perm[: self.num_labelled])

    def load_data_list(self) -> List[dict]:
        """Image / label pairs of the requested split."""
        img_dir = self.data_prefix['img_path']
        ann_dir = self.data_prefix['seg_map_path']
        names = self._names(img_dir)
        if self.split != 'all':
            labelled = set(self._labelled(names))
            names = [n for n in names if (n in labelled) == (self.split == 'train')]
        if not names:
            raise ValueError(f'KittiSemanticDataset split {self.split!r} of {img_dir} is empty.')
        data_list = []
        for n in names:
            seg = osp.join(ann_dir, n + self.seg_map_suffix)
            if not osp.isfile(seg):
                raise FileNotFoundError(f'Label map missing for {n}: {seg}')
            data_list.append(
                dict(
                    img_path=osp.join(img_dir, n + self.img_suffix),
                    seg_map_path=seg,
                    label_map=self.label_map,
                    reduce_zero_label=self.reduce_zero_label,
                    seg_fields=[],
                )
            )
        return data_list
