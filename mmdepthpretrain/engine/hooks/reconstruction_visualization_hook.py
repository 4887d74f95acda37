"""Visualisation hook of the masked-reconstruction pre-training baseline."""
from typing import List

import numpy as np
from mmseg.registry import HOOKS

from ...visualization import resize_nearest
from .depth_visualization_hook import DepthVisualizationHook

__all__ = ['ReconstructionVisualizationHook']


@HOOKS.register_module()
class ReconstructionVisualizationHook(DepthVisualizationHook):
    """Draw the target frame, the masked input (removed pixels black) and the
    reconstruction of :class:`MaskedReconstructionEstimator`.

    Args:
        pred_key (str): Data sample field with the reconstruction. Defaults to
            'pred_recon'.
        **kwargs: :class:`DepthVisualizationHook` arguments.
    """

    def __init__(self, pred_key: str = 'pred_recon', **kwargs):
        super().__init__(pred_key=pred_key, **kwargs)

    def panels(self, image: np.ndarray, sample) -> List[np.ndarray]:
        """Rows for one sample: image, masked image, reconstruction."""

        def to_uint8(t):
            arr = t.detach().float().cpu().clamp(0, 1).numpy().transpose(1, 2, 0)
            return np.round(arr * 255).astype(np.uint8)

        recon = resize_nearest(to_uint8(sample.get(self.pred_key).data), image.shape)
        mask = sample.recon_mask.data.detach().cpu().numpy()[0] > 0
        masked = image.copy()
        masked[resize_nearest(mask.astype(np.uint8), image.shape) > 0] = 0
        return [image, masked, recon]
