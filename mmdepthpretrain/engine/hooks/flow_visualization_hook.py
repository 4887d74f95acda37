"""Visualisation hook of the optical-flow pre-training baseline."""
from typing import List

import numpy as np
from mmseg.registry import HOOKS

from ...visualization import flow_to_color, resize_nearest
from .depth_visualization_hook import DepthVisualizationHook

__all__ = ['FlowVisualizationHook']


@HOOKS.register_module()
class FlowVisualizationHook(DepthVisualizationHook):
    """Draw the target frame, the predicted flow and (if loaded) the ground-truth flow.

    Rows share one magnitude scale (the larger of the two maxima) so the colours are
    comparable. See :class:`DepthVisualizationHook` for ``interval``/``max_samples``/
    ``draw_test``; ``cmap`` is unused.

    Args:
        pred_key (str): Data sample field with the flow. Defaults to 'pred_flow'.
        **kwargs: :class:`DepthVisualizationHook` arguments.
    """

    def __init__(self, pred_key: str = 'pred_flow', **kwargs):
        super().__init__(pred_key=pred_key, **kwargs)

    def panels(self, image: np.ndarray, sample) -> List[np.ndarray]:
        """Rows for one sample: image, predicted flow, ground-truth flow if present."""
        pred = sample.get(self.pred_key).data.detach().float().cpu().numpy()
        flows = [(pred, None)]
        if 'gt_flow' in sample:
            gt = sample.gt_flow
            valid = gt.valid.detach().cpu().numpy()[0] if 'valid' in gt else None
            flows.append((gt.data.detach().float().cpu().numpy(), valid))
        max_flow = max(float(np.hypot(f[0], f[1]).max()) for f, _ in flows)
        rows = [image]
        for f, valid in flows:
            colour = flow_to_color(f, max_flow=max_flow, valid=valid)
            rows.append(resize_nearest(colour, image.shape))
        return rows
