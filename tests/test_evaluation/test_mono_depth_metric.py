"""MonoDepthMetric against hand computation (median scaling, caps, crop, resize)."""

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmdepthpretrain.evaluation import MonoDepthMetric, eval_crop_mask


def sample(gt, pred):
    s = SegDataSample()
    s.gt_depth_map = PixelData(data=torch.tensor(gt, dtype=torch.float32)[None])
    s.pred_depth_map = PixelData(data=torch.tensor(pred, dtype=torch.float32)[None])
    return s.to_dict()


def evaluate(metric, pairs):
    metric.process({}, [sample(g, p) for g, p in pairs])
    return metric.compute_metrics(metric.results)


def test_median_scaling_hand_computed():
    gt = [[1.0, 2.0, 4.0, 8.0, 0.0, 100.0]]  # 0: invalid, 100: above the 80 m cap
    pred = [[2.0, 2.0, 2.0, 2.0, 5.0, 5.0]]
    m = evaluate(MonoDepthMetric(crop=None), [(gt, pred)])
    # valid gt [1, 2, 4, 8], median 3; pred median 2 -> ratio 1.5 -> prediction 3
    g = np.array([1, 2, 4, 8.0])
    assert m['abs_rel'] == pytest.approx((2 + 1 / 2 + 1 / 4 + 5 / 8) / 4)
    assert m['sq_rel'] == pytest.approx((4 + 1 / 2 + 1 / 4 + 25 / 8) / 4)
    assert m['rmse'] == pytest.approx(np.sqrt((4 + 1 + 1 + 25) / 4))
    assert m['rmse_log'] == pytest.approx(np.sqrt(np.mean(np.log(3 / g) ** 2)))
    # max(3/g, g/3) = [3, 1.5, 1.33, 2.67]
    assert (m['a1'], m['a2'], m['a3']) == pytest.approx((0.0, 0.5, 0.5))
    assert m['scale_ratio_median'] == pytest.approx(1.5)


def test_fixed_scale_clamp_and_image_mean():
    gt1, pred1 = [[10.0, 20.0]], [[1.0, 100.0]]  # x5.4 -> 5.4, 540 -> clamp 80
    gt2, pred2 = [[5.0, 5.0]], [[1.0, 1.0]]
    m = evaluate(
        MonoDepthMetric(crop=None, scale_mode='fixed', fixed_scale=5.4),
        [(gt1, pred1), (gt2, pred2)],
    )
    im1 = np.mean([4.6 / 10, 60 / 20])
    im2 = 0.4 / 5
    assert m['abs_rel'] == pytest.approx((im1 + im2) / 2)  # mean over images
    assert 'scale_ratio_median' not in m


def test_garg_crop_and_resize_on_inverse_depth():
    h, w = 20, 40
    mask = eval_crop_mask((h, w), 'garg')
    rows, cols = np.where(mask)
    assert rows.min() == int(0.40810811 * h) and rows.max() == int(0.99189189 * h) - 1
    assert cols.min() == int(0.03594771 * w) and cols.max() == int(0.96405229 * w) - 1
    gt = np.full((h, w), 10.0, dtype=np.float32)
    gt[0, :] = 1.0  # outside the crop: a huge error there must not count
    pred = np.full((h // 2, w // 2), 3.0, dtype=np.float32)  # half size, resized
    m = evaluate(MonoDepthMetric(crop='garg', scale_mode='none'), [(gt, pred)])
    assert m['abs_rel'] == pytest.approx(0.7, rel=1e-5)
    m = evaluate(MonoDepthMetric(crop=None, scale_mode='none'), [(gt, np.full((h, w), 3.0))])
    assert m['abs_rel'] > 0.7
    # bilinear on inverse depth: midway between 2 m and 4 m is 1 / mean(1/2, 1/4)
    out = MonoDepthMetric.resize_depth(torch.tensor([[2.0, 4.0]]), (1, 4))
    assert out[0, 1].item() == pytest.approx(1 / (0.75 / 2 + 0.25 / 4))


def test_no_valid_pixel_is_an_error():
    with pytest.raises(ValueError, match='no image had a valid'):
        evaluate(MonoDepthMetric(crop=None), [([[0.0, 0.0]], [[1.0, 1.0]])])


def test_inverse_depth_predictions_are_inverted_then_median_scaled():
    gt = [[1.0, 2.0, 4.0, 8.0]]
    inv = [[2.0, 1.0, 0.5, 0.25]]  # exactly 2 / depth: relative inverse depth of scale 2
    m = evaluate(MonoDepthMetric(crop=None, pred_type='inverse_depth'), [(gt, inv)])
    assert m['abs_rel'] == pytest.approx(0.0, abs=1e-6) and m['a1'] == 1.0
    assert m['scale_ratio_median'] == pytest.approx(2.0)
    # taken as depth, the same map is far off (the order of the pixels is reversed)
    m = evaluate(MonoDepthMetric(crop=None), [(gt, inv)])
    assert m['abs_rel'] > 0.5
    # resizing happens on the inverse depth itself: midway between 1/2 and 1/4 is 3/8
    gt = [[2.0, 8 / 3, 4.0, 4.0]]
    m = evaluate(MonoDepthMetric(crop=None, pred_type='inverse_depth', scale_mode='none'),
                 [(gt, [[0.5, 0.25]])])
    # bilinear (align_corners=False) from 2 to 4 columns: [1/2, 7/16, 5/16, 1/4]
    pred = 1 / np.array([0.5, 7 / 16, 5 / 16, 0.25])
    g = np.array(gt[0])
    assert m['abs_rel'] == pytest.approx(np.mean(np.abs(pred - g) / g), rel=1e-5)
    with pytest.raises(ValueError, match='pred_type'):
        MonoDepthMetric(pred_type='disparity')
