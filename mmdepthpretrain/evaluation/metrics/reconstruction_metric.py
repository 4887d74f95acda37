"""Masked image-reconstruction error of the inpainting baseline."""

from collections import OrderedDict
from typing import Dict, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmseg.registry import METRICS

__all__ = ['ReconstructionMetric']


@METRICS.register_module()
class ReconstructionMetric(BaseMetric):
    """L1 error of reconstructed images, on the removed pixels and on all pixels.

    Reads ``pred_recon``, ``recon_target`` (``(3, H, W)`` in [0, 1]) and ``recon_mask``
    (``(1, H, W)``, 1 = removed) written by :class:`MaskedReconstructionEstimator` and
    reports, averaged over images, ``masked_l1`` (mean absolute error over removed pixels
    and channels, in [0, 1] units), ``l1`` (all pixels) and ``masked_psnr`` (dB, from the
    masked mean squared error).

    Args:
        collect_device (str): Defaults to 'cpu'.
        prefix (str, optional): Metric name prefix. Defaults to None.
    """

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Evaluate each image of the batch."""
        for sample in data_samples:
            if 'pred_recon' not in sample:
                raise KeyError(
                    'ReconstructionMetric: a sample has no pred_recon; use it with '
                    'MaskedReconstructionEstimator'
                )
            pred = sample['pred_recon']['data'].detach().cpu().float()
            target = sample['recon_target']['data'].detach().cpu().float()
            mask = sample['recon_mask']['data'].detach().cpu().bool().expand_as(pred)
            err = (pred - target).abs()
            out = dict(l1=float(err.mean()), masked_l1=None, masked_psnr=None)
            if mask.any():
                out['masked_l1'] = float(err[mask].mean())
                mse = float((err[mask] ** 2).mean())
                out['masked_psnr'] = float(10 * np.log10(1.0 / max(mse, 1e-10)))
            self.results.append(out)

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Mean of the per-image errors."""
        logger: MMLogger = MMLogger.get_current_instance()
        masked = [r for r in results if r['masked_l1'] is not None]
        metrics = OrderedDict(l1=float(np.mean([r['l1'] for r in results])))
        if masked:
            metrics['masked_l1'] = float(np.mean([r['masked_l1'] for r in masked]))
            metrics['masked_psnr'] = float(np.mean([r['masked_psnr'] for r in masked]))
        print_log(
            'reconstruction metrics: ' + ', '.join(f'{k}={v:.4f}' for k, v in metrics.items()),
            logger,
        )
        return metrics
