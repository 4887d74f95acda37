"""KittiSegMetric against hand-computed confusion counts (both conventions)."""

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmdepthpretrain.evaluation import KittiSegMetric


def sample(gt, pred):
    s = SegDataSample()
    s.gt_sem_seg = PixelData(data=torch.tensor(gt)[None])
    s.pred_sem_seg = PixelData(data=torch.tensor(pred)[None])
    return s.to_dict()


# Two images, 4 classes, 255 = ignore. Per-class counts worked out by hand:
#   image 1: class 0 I=1 U=2, class 1 I=2 U=3, class 2 I=1 U=1, class 3 U=0
#   image 2: class 0 I=1 U=3, class 1 U=0,      class 2 I=0 U=1, class 3 I=1 U=2
GT1, PRED1 = [[0, 0, 1], [1, 255, 2]], [[0, 1, 1], [1, 0, 2]]
GT2, PRED2 = [[3, 3], [0, 2]], [[3, 0], [0, 0]]


def run(metric, pairs, classes):
    metric.dataset_meta = dict(classes=classes)
    metric.process({}, [sample(g, p) for g, p in pairs])
    return metric.compute_metrics(metric.results)


def test_both_conventions_match_hand_computation():
    m = run(
        KittiSegMetric(subset_class_ids=(0, 2)), [(GT1, PRED1), (GT2, PRED2)], ('a', 'b', 'c', 'd')
    )
    # dataset level: I = [2, 2, 1, 1], U = [5, 3, 2, 2], labelled = [3, 2, 2, 2]
    iou = np.array([2 / 5, 2 / 3, 1 / 2, 1 / 2])
    assert m['mIoU'] == pytest.approx(round(100 * iou.mean(), 2))  # 51.67
    assert m['aAcc'] == pytest.approx(round(100 * 6 / 9, 2))
    assert m['mAcc'] == pytest.approx(round(100 * np.mean([2 / 3, 1, 1 / 2, 1 / 2]), 2))
    assert m['mIoU7_dataset'] == pytest.approx(round(100 * (2 / 5 + 1 / 2) / 2, 2))  # 45.0
    # per image: IoU per image (NaN when the class is absent from both), nanmean over
    # images per class, then over classes
    per_class = np.array([(1 / 2 + 1 / 3) / 2, 2 / 3, (1 + 0) / 2, 1 / 2])
    assert m['mIoU_per_image'] == pytest.approx(round(100 * per_class.mean(), 2))  # 52.08
    assert m['mIoU7_per_image'] == pytest.approx(
        round(100 * (per_class[0] + per_class[2]) / 2, 2)
    )  # 45.83
    assert m['mIoU'] != m['mIoU_per_image']


def test_kitti7_default_subset_and_resized_prediction():
    classes = tuple(f'c{i}' for i in range(19))
    gt = np.full((4, 6), 255, dtype=np.int64)
    gt[:2, :] = 0  # road
    gt[2:, :3] = 13  # car
    gt[2:, 3:] = 5  # pole (not in the 7-class subset)
    pred_full = gt.copy()
    pred_full[gt == 255] = 0
    pred_full[2:, 3:] = 13  # poles predicted as car
    pred_small = pred_full[::2, ::3]  # (2, 2): a prediction at another size
    m = run(KittiSegMetric(), [(gt.tolist(), pred_small.tolist())], classes)
    # road IoU 1, car 6/12, pole 0 -> 19-class mean over present classes
    assert m['mIoU'] == pytest.approx(round(100 * (1 + 0.5 + 0) / 3, 2))
    assert m['mIoU7_dataset'] == pytest.approx(75.0)
    assert m['mIoU7_per_image'] == pytest.approx(75.0)
    assert m['aAcc'] == pytest.approx(round(100 * 18 / 24, 2))
