"""Instance maps (Cityscapes ``instanceIds``, KITTI ``instance``) to COCO annotations.

mmdet trains and evaluates Mask R-CNN from COCO-format JSON, but Cityscapes and KITTI
semantics ship instance maps: one PNG per image whose value encodes class and instance.

- Cityscapes ``*_gtFine_instanceIds.png``: ``label_id * 1000 + k`` for a pixel of
  instance ``k`` of a "thing" class; a value below 1000 is a plain label id (stuff, or a
  crowd region without instances).
- KITTI semantics ``instance/*.png`` (uint16): ``label_id * 256 + k``, ``k = 0`` meaning
  no instance.

Both use Cityscapes label ids; the instance classes are the eight of the Cityscapes
instance benchmark, in mmdet's ``CityscapesDataset`` order (COCO category ids 1..8).
The synthetic world writes both layouts (cars and persons), so the same conversion serves
it and the real datasets. Masks are stored as COCO RLE, boxes as ``[x, y, w, h]`` of the
mask's extent, areas as mask pixel counts. Instances whose mask is smaller than
``min_area`` pixels (empty or degenerate) are skipped and counted.
"""
import json
import os
import os.path as osp
from collections import Counter
from typing import Dict, Iterable, List, Sequence, Tuple

import numpy as np

__all__ = [
    'THING_LABEL_IDS', 'THING_CLASSES', 'decode_instance_map', 'instances_to_coco',
    'find_instance_maps', 'write_coco_json'
]

THING_LABEL_IDS = (24, 25, 26, 27, 28, 31, 32, 33)
THING_CLASSES = ('person', 'rider', 'car', 'truck', 'bus', 'train', 'motorcycle', 'bicycle')
ENCODINGS = ('cityscapes', 'kitti')


def decode_instance_map(inst: np.ndarray, encoding: str) -> List[Tuple[int, np.ndarray]]:
    """Split an instance map into (Cityscapes label id, boolean mask) per instance.

    Args:
        inst (np.ndarray): ``(H, W)`` integer instance map.
        encoding (str): 'cityscapes' (``id * 1000 + k``) or 'kitti' (``id * 256 + k``,
            ``k > 0``).

    Returns:
        list[tuple[int, np.ndarray]]: In increasing order of the encoded value.
    """
    inst = np.asarray(inst).astype(np.int64)
    if encoding == 'cityscapes':
        values = [v for v in np.unique(inst) if v >= 1000]
        label = {v: v // 1000 for v in values}
    elif encoding == 'kitti':
        values = [v for v in np.unique(inst) if v % 256 > 0]
        label = {v: v // 256 for v in values}
    else:
        raise ValueError(f'unknown instance encoding {encoding!r}; known: {ENCODINGS}')
    return [(int(label[v]), inst == v) for v in values]


def _rle(mask: np.ndarray) -> dict:
    from pycocotools import mask as mask_utils
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    rle['counts'] = rle['counts'].decode('ascii')
    return rle


def instances_to_coco(images: Iterable[Tuple[str, np.ndarray]], encoding: str,
                      min_area: int = 1,
                      thing_label_ids: Sequence[int] = THING_LABEL_IDS,
                      class_names: Sequence[str] = THING_CLASSES) -> Tuple[dict, Counter]:
    """Build a COCO instance-segmentation dict from instance maps.

    Args:
        images (Iterable[tuple[str, np.ndarray]]): ``(file_name, instance map)`` per image;
            ``file_name`` is relative to the image folder the config's ``data_prefix``
            names.
        encoding (str): See :func:`decode_instance_map`.
        min_area (int): Smallest mask (pixels) kept. Defaults to 1.
        thing_label_ids (Sequence[int]): Label ids that are instance classes.
        class_names (Sequence[str]): Their names (category ids 1..N in this order).

    Returns:
        tuple[dict, Counter]: The COCO dict, and counts of ``kept`` instances,
        ``skipped_degenerate`` (mask below ``min_area``) and ``skipped_class`` (an
        instance of a label id that is not an instance class).
    """
    cat_of = {lid: i + 1 for i, lid in enumerate(thing_label_ids)}
    coco = dict(images=[], annotations=[],
                categories=[dict(id=i + 1, name=n) for i, n in enumerate(class_names)])
    stats: Counter = Counter()
    for image_id, (file_name, inst) in enumerate(images, 1):
        h, w = inst.shape[:2]
        coco['images'].append(dict(id=image_id, file_name=file_name, height=int(h),
                                   width=int(w)))
        for label_id, mask in decode_instance_map(inst, encoding):
            if label_id not in cat_of:
                stats['skipped_class'] += 1
                continue
            area = int(mask.sum())
            if area < max(int(min_area), 1):
                stats['skipped_degenerate'] += 1
                continue
            ys, xs = np.nonzero(mask)
            x0, y0 = int(xs.min()), int(ys.min())
            bbox = [float(x0), float(y0), float(xs.max() - x0 + 1), float(ys.max() - y0 + 1)]
            coco['annotations'].append(dict(
                id=len(coco['annotations']) + 1, image_id=image_id,
                category_id=cat_of[label_id], segmentation=_rle(mask), area=float(area),
                bbox=bbox, iscrowd=0))
            stats['kept'] += 1
    return coco, stats


def find_instance_maps(root: str, layout: str, split: str = 'train') -> List[Tuple[str, str]]:
    """``(file_name, instance map path)`` of every annotated image of a dataset root.

    Args:
        root (str): Cityscapes root (``gtFine/``, ``leftImg8bit/``) or KITTI semantics
            root (``data_semantics/training/`` or the folder holding it).
        layout (str): 'cityscapes' or 'kitti'.
        split (str): Cityscapes split. Defaults to 'train'.

    Returns:
        list[tuple[str, str]]: ``file_name`` is relative to ``leftImg8bit/<split>`` or
        ``image_2``.

    Raises:
        FileNotFoundError: The root or its annotation folder is missing, or holds no
            instance map.
    """
    out = []
    if not osp.isdir(root):
        raise FileNotFoundError(f'dataset root not found: {root}')
    if layout == 'cityscapes':
        gt = osp.join(root, 'gtFine', split)
        if not osp.isdir(gt):
            raise FileNotFoundError(f'Cityscapes annotation folder not found: {gt} (expected '
                                    f'gtFine/{split}/<city>/*_gtFine_instanceIds.png under '
                                    f'the root)')
        for city in sorted(c for c in os.listdir(gt) if osp.isdir(osp.join(gt, c))):
            for name in sorted(os.listdir(osp.join(gt, city))):
                if name.endswith('_gtFine_instanceIds.png'):
                    stem = name[:-len('_gtFine_instanceIds.png')]
                    out.append((f'{city}/{stem}_leftImg8bit.png', osp.join(gt, city, name)))
    elif layout == 'kitti':
        base = root if osp.isdir(osp.join(root, 'instance')) else osp.join(
            root, 'data_semantics', 'training')
        folder = osp.join(base, 'instance')
        if not osp.isdir(folder):
            raise FileNotFoundError(f'KITTI semantics instance folder not found: {folder}')
        out = [(n, osp.join(folder, n)) for n in sorted(os.listdir(folder))
               if n.endswith('.png')]
    else:
        raise ValueError(f'unknown layout {layout!r}; known: cityscapes, kitti')
    if not out:
        raise FileNotFoundError(f'no instance map found under {root} ({layout} layout)')
    return out


def write_coco_json(coco: Dict, path: str) -> str:
    """Write ``coco`` as JSON through a temporary file and a rename."""
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = osp.join(folder, f'.{osp.basename(path)}.tmp')
    with open(tmp, 'w') as f:
        json.dump(coco, f)
    os.replace(tmp, path)
    return path
