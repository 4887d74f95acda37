"""Monocular depth metrics with KITTI's evaluation protocol."""

from collections import OrderedDict
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmseg.registry import METRICS

__all__ = ['MonoDepthMetric', 'compute_depth_errors', 'eval_crop_mask']

# Fractions of (H, W) of the evaluation crops: top, bottom, left, right.
# Garg et al., ECCV 2016 and Eigen et al., NIPS 2014, as used for the KITTI Eigen split.
CROPS = {
    'garg': (0.40810811, 0.99189189, 0.03594771, 0.96405229),
    'eigen': (0.3324324, 0.91351351, 0.0359477, 0.96405229),
}
PRED_TYPES = ('depth', 'inverse_depth')
METRIC_NAMES = ('abs_rel', 'sq_rel', 'rmse', 'rmse_log', 'a1', 'a2', 'a3')


def eval_crop_mask(shape: Tuple[int, int], crop: Optional[str]) -> np.ndarray:
    """Boolean mask of the Garg / Eigen evaluation crop (all True for None)."""
    h, w = shape
    mask = np.zeros((h, w), dtype=bool)
    if crop is None:
        mask[:] = True
        return mask
    if crop not in CROPS:
        raise ValueError(f'crop must be one of {list(CROPS)} or None, got {crop!r}')
    t, b, left, r = CROPS[crop]
    mask[int(t * h) : int(b * h), int(left * w) : int(r * w)] = True
    return mask


def compute_depth_errors(gt: np.ndarray, pred: np.ndarray) -> Dict[str, float]:
    """Standard depth errors over matching 1-D arrays of valid pixels.

    ``abs_rel = mean(|p - g| / g)``, ``sq_rel = mean((p - g)^2 / g)``,
    ``rmse = sqrt(mean((p - g)^2))``, ``rmse_log = sqrt(mean((log p - log g)^2))``,
    ``a_k = mean(max(p / g, g / p) < 1.25^k)`` (Eigen et al., NIPS 2014).
    """
    gt = gt.astype(np.float64)
    pred = pred.astype(np.float64)
    thresh = np.maximum(gt / pred, pred / gt)
    diff = pred - gt
    return dict(
        abs_rel=float(np.mean(np.abs(diff) / gt)),
        sq_rel=float(np.mean(diff**2 / gt)),
        rmse=float(np.sqrt(np.mean(diff**2))),
        rmse_log=float(np.sqrt(np.mean((np.log(pred) - np.log(gt)) ** 2))),
        a1=float(np.mean(thresh < 1.25)),
        a2=float(np.mean(thresh < 1.25**2)),
        a3=float(np.mean(thresh < 1.25**3)),
    )


@METRICS.register_module()
class MonoDepthMetric(BaseMetric):
    """Depth metrics of the KITTI (Eigen split) protocol, averaged over images.

    Per image: the prediction is resized to the ground-truth size if they differ
    (bilinear on inverse depth), pixels with ``min_depth < gt < max_depth`` inside the
    crop are kept, the prediction is scaled (``'median'``: ``median(gt) /
    median(pred)`` per image, for monocular models; ``'fixed'``: ``fixed_scale``, e.g.
    for stereo-trained models; ``'none'``), clamped to ``[min_depth, max_depth]``, and
    :func:`compute_depth_errors` is computed. Results are means over images (images
    without a valid pixel are skipped and counted). With median scaling the mean and
    standard deviation of the ratios are reported too (``scale_ratio_median``,
    ``scale_ratio_std``).

    ``pred_type='inverse_depth'`` evaluates models that predict (relative) inverse depth,
    such as Depth Anything (``relu(head(x))``, affine-invariant disparity): the prediction
    is resized as it is (bilinear on inverse depth) and inverted to depth, ``1 / max(p,
    eps)``, before the scaling. Relative inverse depth has an unknown scale and shift;
    ``'median'`` scaling fixes the scale of its inverse (the usual zero-shot protocol
    without a shift fit), so use it (or ``'none'`` for metric models).

    Note: stereo_T carries the metric baseline in this project, so stereo-trained
    models predict metric depth and need ``fixed_scale=1.0``; 5.4 is for models
    trained with a 0.1 baseline (Monodepth2's convention).

    Args:
        min_depth (float): Lower cap. Defaults to 1e-3.
        max_depth (float): Upper cap. Defaults to 80.
        crop (str, optional): 'garg', 'eigen' or None. Defaults to 'garg'.
        scale_mode (str): 'median', 'fixed' or 'none'. Defaults to 'median'.
        fixed_scale (float): Factor for ``scale_mode='fixed'``. Defaults to 1.0.
        pred_key (str): Data-sample field with the predicted depth.
            Defaults to 'pred_depth_map'.
        pred_type (str): ``'depth'`` or ``'inverse_depth'`` (see above).
            Defaults to 'depth'.
        collect_device (str): Defaults to 'cpu'.
        prefix (str, optional): Metric name prefix. Defaults to None.
    """

    default_prefix: Optional[str] = None

    def __init__(
        self,
        min_depth: float = 1e-3,
        max_depth: float = 80.0,
        crop: Optional[str] = 'garg',
        scale_mode: str = 'median',
        fixed_scale: float = 1.0,
        pred_key: str = 'pred_depth_map',
        pred_type: str = 'depth',
        collect_device: str = 'cpu',
        prefix: Optional[str] = None,
        **kwargs,
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if scale_mode not in ('median', 'fixed', 'none'):
            raise ValueError(f"scale_mode must be 'median', 'fixed' or 'none', got {scale_mode!r}")
        if pred_type not in PRED_TYPES:
            raise ValueError(f'pred_type must be one of {PRED_TYPES}, got {pred_type!r}')
        if crop is not None and crop not in CROPS:
            raise ValueError(f'crop must be one of {list(CROPS)} or None, got {crop!r}')
        self.min_depth = min_depth
        self.max_depth = max_depth
        self.crop = crop
        self.scale_mode = scale_mode
        self.fixed_scale = fixed_scale
        self.pred_key = pred_key
        self.pred_type = pred_type

    @staticmethod
    def resize_depth(pred: torch.Tensor, size: Tuple[int, int]) -> torch.Tensor:
        """Resize a (H, W) depth map: bilinear on inverse depth (pixel-centre aligned)."""
        inv = 1.0 / pred.clamp(min=1e-8)
        inv = F.interpolate(
            inv[None, None].float(), size=size, mode='bilinear', align_corners=False
        )[0, 0]
        return 1.0 / inv.clamp(min=1e-8)

    def evaluate_image(self, pred: np.ndarray, gt: np.ndarray) -> Optional[dict]:
        """Errors of one image (None if no valid pixel); pred already at gt's size."""
        mask = (gt > self.min_depth) & (gt < self.max_depth)
        mask &= eval_crop_mask(gt.shape, self.crop)
        if not mask.any():
            return None
        g, p = gt[mask], pred[mask]
        ratio = 1.0
        if self.scale_mode == 'median':
            ratio = float(np.median(g) / max(np.median(p), 1e-12))
        elif self.scale_mode == 'fixed':
            ratio = float(self.fixed_scale)
        p = np.clip(p * ratio, self.min_depth, self.max_depth)
        out = compute_depth_errors(g, p)
        out['ratio'] = ratio
        return out

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Evaluate each image of the batch and keep its errors."""
        for sample in data_samples:
            pred = sample[self.pred_key]['data'].detach().cpu().float()
            gt = sample['gt_depth_map']['data'].detach().cpu().float()
            pred, gt = pred.reshape(pred.shape[-2:]), gt.reshape(gt.shape[-2:])
            if self.pred_type == 'inverse_depth':
                if pred.shape != gt.shape:  # bilinear on inverse depth, as for depth
                    pred = F.interpolate(pred[None, None], size=tuple(gt.shape),
                                         mode='bilinear', align_corners=False)[0, 0]
                pred = 1.0 / pred.clamp(min=1e-8)
            elif pred.shape != gt.shape:
                pred = self.resize_depth(pred, tuple(gt.shape))
            self.results.append(self.evaluate_image(pred.numpy(), gt.numpy()))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Mean of the per-image errors."""
        logger: MMLogger = MMLogger.get_current_instance()
        valid = [r for r in results if r is not None]
        if not valid:
            raise ValueError(
                'MonoDepthMetric: no image had a valid ground-truth pixel '
                f'(min_depth={self.min_depth}, max_depth={self.max_depth}, '
                f'crop={self.crop}).'
            )
        if len(valid) < len(results):
            logger.warning(
                f'MonoDepthMetric: {len(results) - len(valid)} of {len(results)} '
                'images had no valid ground truth and were skipped.'
            )
        metrics = OrderedDict((k, float(np.mean([r[k] for r in valid]))) for k in METRIC_NAMES)
        if self.scale_mode == 'median':
            ratios = np.array([r['ratio'] for r in valid])
            metrics['scale_ratio_median'] = float(np.median(ratios))
            metrics['scale_ratio_std'] = float(np.std(ratios / np.median(ratios)))
        print_log('depth metrics: ' + ', '.join(f'{k}={v:.4f}' for k, v in metrics.items()), logger)
        return metrics
