"""Optical-flow end-point error (EPE) and KITTI outlier rate."""

from collections import OrderedDict
from typing import Dict, Sequence, Tuple

import numpy as np
import torch.nn.functional as F
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmseg.registry import METRICS
from torch import Tensor

from ...models.utils.geometry import flow_warp

__all__ = ['FlowEPEMetric', 'resize_flow', 'flow_errors']


def resize_flow(flow: Tensor, size: Tuple[int, int]) -> Tensor:
    """Bilinearly resize a pixel flow ``(2, h, w)`` to ``size`` and rescale ``u``, ``v``.

    Args:
        flow (Tensor): ``(2, h, w)`` flow in pixels of an ``h x w`` image.
        size (tuple[int, int]): Output ``(H, W)``.

    Returns:
        Tensor: ``(2, H, W)`` flow in pixels of the ``H x W`` image.
    """
    h, w = flow.shape[-2:]
    if (h, w) == tuple(size):
        return flow
    out = F.interpolate(flow[None].float(), size=size, mode='bilinear', align_corners=False)[0]
    return out * out.new_tensor([size[1] / w, size[0] / h]).view(2, 1, 1)


def flow_errors(pred: Tensor, gt: Tensor, valid: Tensor) -> Dict[str, float]:
    """EPE and Fl-all of one image over its valid pixels.

    ``EPE = mean ||pred - gt||_2``; a pixel is an outlier (KITTI 2015 ``Fl``, Menze and
    Geiger, CVPR 2015) when its end-point error exceeds 3 px and 5 % of ``||gt||``.

    Args:
        pred (Tensor): ``(2, H, W)`` predicted flow (pixels).
        gt (Tensor): ``(2, H, W)`` ground-truth flow (pixels).
        valid (Tensor): ``(H, W)`` bool mask.

    Returns:
        dict | None: ``EPE``, ``Fl-all`` (fraction) and ``num_valid``; None without a valid
        pixel.
    """
    valid = valid.bool()
    n = int(valid.sum())
    if n == 0:
        return None
    epe = (pred - gt).norm(dim=0)[valid]
    mag = gt.norm(dim=0)[valid]
    outlier = (epe > 3.0) & (epe > 0.05 * mag)
    return dict(EPE=float(epe.mean()), Fl_all=float(outlier.float().mean()), num_valid=n)


@METRICS.register_module()
class FlowEPEMetric(BaseMetric):
    """End-point error of predicted optical flow against ground truth, image-averaged.

    Reads ``pred_flow`` (``(2, h, w)`` pixels at the network input size, from
    :class:`FlowSiameseEstimator`) and ``gt_flow`` (``data`` ``(2, H0, W0)`` and ``valid``,
    from ``PackMultiFrameFlowInputs``); the prediction is resized to the ground truth's
    resolution with its ``u``/``v`` scaled accordingly (:func:`resize_flow`). Reports
    ``EPE`` (pixels at the ground-truth resolution) and ``Fl_all`` (percent of outliers),
    each averaged over images.

    Without ground truth (KITTI raw) ``with_photometric`` still measures the prediction:
    ``photo_l1`` is the mean absolute difference (in [0, 1] units) between the target frame
    and the source frame backward-warped by the predicted flow (see :func:`flow_warp`), and
    ``photo_l1_zero`` the same for zero flow, both at the input resolution.

    Args:
        pred_key (str): Key of the prediction. Defaults to 'pred_flow'.
        with_photometric (bool): Also report ``photo_l1`` and ``photo_l1_zero`` from the
            batch's frames. Defaults to False.
        require_gt (bool): Raise when a sample has no ``gt_flow``; with False such samples
            only contribute photometric errors. Defaults to True.
        frame_ids (Sequence[int]): ``(target, source)`` frames of the flow (the model's
            ``frame_ids``). Defaults to (0, 1).
        collect_device (str): Defaults to 'cpu'.
        prefix (str, optional): Metric name prefix. Defaults to None.
    """

    def __init__(
        self,
        pred_key: str = 'pred_flow',
        with_photometric: bool = False,
        require_gt: bool = True,
        frame_ids: Sequence[int] = (0, 1),
        collect_device: str = 'cpu',
        prefix: str = None,
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not with_photometric and not require_gt:
            raise ValueError(
                'FlowEPEMetric: with require_gt=False set with_photometric=True, '
                'otherwise nothing is measured'
            )
        self.pred_key = pred_key
        self.with_photometric = with_photometric
        self.require_gt = require_gt
        self.frame_ids = list(frame_ids)

    def photometric(self, frames: Tensor, frame_ids: Sequence, pred: Tensor) -> Dict[str, float]:
        """``photo_l1`` / ``photo_l1_zero`` of one sample (frames ``(F, 3, H, W)``)."""
        frame_ids = list(frame_ids)
        missing = [f for f in self.frame_ids if f not in frame_ids]
        if missing:
            raise KeyError(
                f'FlowEPEMetric: the sample has frames {frame_ids}, the photometric '
                f'error needs {self.frame_ids}'
            )
        frames = frames.float()
        if frames.max() > 1.5:  # uint8 range
            frames = frames / 255.0
        tgt = frames[frame_ids.index(self.frame_ids[0])][None]
        src = frames[frame_ids.index(self.frame_ids[1])][None]
        pred = resize_flow(pred, tuple(tgt.shape[-2:]))[None]
        warped = flow_warp(src, pred)
        return dict(
            photo_l1=float((warped - tgt).abs().mean()),
            photo_l1_zero=float((src - tgt).abs().mean()),
        )

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Evaluate each image of the batch and keep its errors."""
        for i, sample in enumerate(data_samples):
            pred = sample[self.pred_key]['data'].detach().cpu().float()
            result = dict()
            if 'gt_flow' in sample:
                gt = sample['gt_flow']['data'].detach().cpu().float()
                valid = sample['gt_flow']['valid'].detach().cpu().reshape(gt.shape[-2:])
                result['gt'] = flow_errors(resize_flow(pred, tuple(gt.shape[-2:])), gt, valid)
            elif self.require_gt:
                raise KeyError(
                    'FlowEPEMetric: a sample has no gt_flow; load it with '
                    'LoadFlowAnnotation and pack with PackMultiFrameFlowInputs '
                    '(or set require_gt=False, with_photometric=True)'
                )
            if self.with_photometric:
                frames = data_batch['inputs'][i].detach().cpu()
                frame_ids = sample.get('frame_ids', self.frame_ids)
                result['photo'] = self.photometric(frames, frame_ids, pred)
            self.results.append(result)

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Mean of the per-image errors."""
        logger: MMLogger = MMLogger.get_current_instance()
        metrics = OrderedDict()
        with_gt = [r for r in results if 'gt' in r]
        valid = [r['gt'] for r in with_gt if r['gt'] is not None]
        if with_gt and not valid:
            raise ValueError('FlowEPEMetric: no image had a valid ground-truth flow pixel')
        if valid:
            metrics['EPE'] = float(np.mean([r['EPE'] for r in valid]))
            metrics['Fl_all'] = 100.0 * float(np.mean([r['Fl_all'] for r in valid]))
        photo = [r['photo'] for r in results if 'photo' in r]
        for key in ('photo_l1', 'photo_l1_zero') if photo else ():
            metrics[key] = float(np.mean([p[key] for p in photo]))
        print_log('flow metrics: ' + ', '.join(f'{k}={v:.4f}' for k, v in metrics.items()), logger)
        return metrics
