"""KITTI segmentation metric: mmseg's dataset-level IoU plus the paper's per-image mean."""

import warnings
from collections import OrderedDict
from typing import Dict, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.logging import MMLogger, print_log
from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS
from prettytable import PrettyTable

__all__ = ['KittiSegMetric', 'KITTI7_CLASS_IDS']

# road, sidewalk, building, vegetation, terrain, sky, car (Cityscapes train ids).
KITTI7_CLASS_IDS = (0, 1, 2, 8, 9, 10, 13)


def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide='ignore', invalid='ignore'):
        return np.where(b > 0, a / np.maximum(b, 1), np.nan)


def _nanmean(x: np.ndarray, axis=None):
    """``np.nanmean`` without the warning for all-NaN slices (they give NaN)."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', RuntimeWarning)
        return np.nanmean(x, axis=axis)


@METRICS.register_module()
class KittiSegMetric(IoUMetric):
    """mIoU / aAcc over all classes and a class subset, in two conventions.

    Per image, pixels whose label is ``ignore_index`` are removed and the class areas
    of intersection ``I``, union ``U``, prediction and label are counted (mmseg's
    ``IoUMetric.intersect_and_union``). A prediction whose size differs from the label
    (labels resized for evaluation) is resized to it with nearest neighbour first.

    * Dataset level (mmseg convention): ``IoU_c = sum_i I_ic / sum_i U_ic``;
      ``mIoU`` = nanmean over all classes, ``mIoU7_dataset`` = nanmean over the subset,
      ``aAcc = sum I / sum(labelled pixels)``, ``mAcc`` = nanmean of per-class recall.
    * Per image (the paper's code convention): ``IoU_ic = I_ic / U_ic``, NaN when
      ``U_ic = 0`` (class neither predicted nor labelled in image ``i``); per class the
      nanmean over images, then the nanmean over classes: ``mIoU_per_image`` (all
      classes) and ``mIoU7_per_image`` (subset).

    Values are percentages rounded to 2 decimals, as mmseg reports them. ``mIoU7``
    means the subset even when ``subset_class_ids`` is changed.

    Args:
        subset_class_ids (Sequence[int]): Class indices of the subset. Defaults to the
            paper's 7 KITTI classes (road, sidewalk, building, vegetation, terrain,
            sky, car): ``(0, 1, 2, 8, 9, 10, 13)``.
        ignore_index (int): Defaults to 255.
        **kwargs: Passed to mmseg's ``IoUMetric`` (``iou_metrics`` is fixed to mIoU).
    """

    def __init__(
        self, subset_class_ids: Sequence[int] = KITTI7_CLASS_IDS, ignore_index: int = 255, **kwargs
    ) -> None:
        kwargs.pop('iou_metrics', None)
        super().__init__(ignore_index=ignore_index, iou_metrics=['mIoU'], **kwargs)
        self.subset_class_ids = tuple(int(c) for c in subset_class_ids)

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Count the class areas of each image."""
        num_classes = len(self.dataset_meta['classes'])
        for sample in data_samples:
            pred = sample['pred_sem_seg']['data']
            label = sample['gt_sem_seg']['data'].to(pred)
            pred, label = pred.reshape(pred.shape[-2:]), label.reshape(label.shape[-2:])
            if pred.shape != label.shape:
                pred = F.interpolate(
                    pred[None, None].float(), size=tuple(label.shape), mode='nearest-exact'
                )[0, 0].to(label)
            self.results.append(
                self.intersect_and_union(pred, label, num_classes, self.ignore_index)
            )

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Dataset-level and per-image metrics (see the class docstring)."""
        logger: MMLogger = MMLogger.get_current_instance()
        inter, union, _, label = (torch.stack(list(x)).double().numpy() for x in zip(*results))
        classes = list(self.dataset_meta['classes'])
        if max(self.subset_class_ids) >= len(classes):
            raise ValueError(
                f'subset_class_ids {self.subset_class_ids} out of range for {len(classes)} classes'
            )
        sub = list(self.subset_class_ids)

        iou_ds = _div(inter.sum(0), union.sum(0))
        acc_ds = _div(inter.sum(0), label.sum(0))
        iou_img = _div(inter, union)  # (N, C)
        iou_img_cls = _nanmean(iou_img, axis=0)

        def pct(x):
            return float(np.round(x * 100, 2))

        metrics = OrderedDict()
        metrics['aAcc'] = pct(inter.sum() / max(label.sum(), 1))
        metrics['mIoU'] = pct(_nanmean(iou_ds))
        metrics['mAcc'] = pct(_nanmean(acc_ds))
        metrics['mIoU7_dataset'] = pct(_nanmean(iou_ds[sub]))
        metrics['mIoU_per_image'] = pct(_nanmean(iou_img_cls))
        metrics['mIoU7_per_image'] = pct(_nanmean(iou_img_cls[sub]))

        table = PrettyTable()
        table.add_column('Class', classes)
        table.add_column('IoU (dataset)', [pct(v) for v in iou_ds])
        table.add_column('IoU (per image)', [pct(v) for v in iou_img_cls])
        table.add_column('Acc', [pct(v) for v in acc_ds])
        table.add_column('subset', ['*' if i in sub else '' for i in range(len(classes))])
        print_log('per class results:', logger)
        print_log('\n' + table.get_string(), logger=logger)
        return metrics
