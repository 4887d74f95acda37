"""Optical-flow colour coding and visualisation hooks of the pre-training baselines."""

from typing import List, Optional

import cv2
import numpy as np
from mmseg.registry import HOOKS

from .hooks.depth_visualization_hook import DepthVisualizationHook

__all__ = [
    'make_color_wheel',
    'flow_to_color',
    'FlowVisualizationHook',
    'ReconstructionVisualizationHook',
]

# Hue segments of the Middlebury flow colour code (Baker et al., "A Database and
# Evaluation Methodology for Optical Flow", IJCV 2011, Fig. 1 / Sec. 3.1):
# red-yellow, yellow-green, green-cyan, cyan-blue, blue-magenta, magenta-red.
_SEGMENTS = (
    (15, (255, 0, 0), (255, 255, 0)),
    (6, (255, 255, 0), (0, 255, 0)),
    (4, (0, 255, 0), (0, 255, 255)),
    (11, (0, 255, 255), (0, 0, 255)),
    (13, (0, 0, 255), (255, 0, 255)),
    (6, (255, 0, 255), (255, 0, 0)),
)


def make_color_wheel() -> np.ndarray:
    """The 55 colours of the Middlebury wheel, linear ramps between the six hues.

    Returns:
        np.ndarray: ``(55, 3)`` float RGB in [0, 255].
    """
    cols = []
    for n, start, end in _SEGMENTS:
        t = np.arange(n, dtype=np.float64)[:, None] / n
        cols.append((1 - t) * np.asarray(start, np.float64) + t * np.asarray(end, np.float64))
    return np.concatenate(cols)


def flow_to_color(
    flow: np.ndarray, max_flow: Optional[float] = None, valid: Optional[np.ndarray] = None
) -> np.ndarray:
    """Colour-code a flow field: hue = direction, saturation = magnitude.

    The direction ``atan2(-v, -u)`` indexes the Middlebury colour wheel (rightward motion is
    red, leftward cyan-blue, upward ... as in Baker et al., IJCV 2011); the colour is blended
    with white by ``|f| / max_flow`` (zero flow is white) and darkened beyond
    ``max_flow``. Invalid pixels are black.

    Args:
        flow (np.ndarray): ``(H, W, 2)`` or ``(2, H, W)`` flow ``(u, v)`` in pixels.
        max_flow (float, optional): Magnitude drawn fully saturated. Defaults to the
            largest valid magnitude.
        valid (np.ndarray, optional): ``(H, W)`` bool mask. Defaults to all finite pixels.

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8 RGB.
    """
    flow = np.asarray(flow, dtype=np.float64)
    if flow.ndim == 3 and flow.shape[0] == 2 and flow.shape[-1] != 2:
        flow = flow.transpose(1, 2, 0)
    if flow.ndim != 3 or flow.shape[-1] != 2:
        raise ValueError(f'flow_to_color expects (H, W, 2) or (2, H, W), got {flow.shape}')
    u, v = flow[..., 0], flow[..., 1]
    ok = np.isfinite(u) & np.isfinite(v)
    if valid is not None:
        ok &= np.asarray(valid, dtype=bool).reshape(ok.shape)
    u, v = np.where(ok, u, 0.0), np.where(ok, v, 0.0)
    mag = np.hypot(u, v)
    if max_flow is None:
        max_flow = float(mag[ok].max()) if ok.any() else 1.0
    rad = mag / max(max_flow, 1e-12)
    wheel = make_color_wheel()
    n = len(wheel)
    a = np.arctan2(-v, -u) / np.pi  # in [-1, 1]
    fk = (a + 1) / 2 * (n - 1)
    k0 = np.floor(fk).astype(np.int64)
    k1 = (k0 + 1) % n
    f = (fk - k0)[..., None]
    col = ((1 - f) * wheel[k0] + f * wheel[k1]) / 255.0
    inside = (rad <= 1)[..., None]
    col = np.where(inside, 1 - rad[..., None] * (1 - col), col * 0.75)
    col = np.where(ok[..., None], col, 0.0)
    return np.clip(np.round(col * 255), 0, 255).astype(np.uint8)


def _resize_to(img: np.ndarray, shape) -> np.ndarray:
    if img.shape[:2] == tuple(shape[:2]):
        return img
    return cv2.resize(img, (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)


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
            rows.append(_resize_to(flow_to_color(f, max_flow=max_flow, valid=valid), image.shape))
        return rows


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

        recon = _resize_to(to_uint8(sample.get(self.pred_key).data), image.shape)
        mask = sample.recon_mask.data.detach().cpu().numpy()[0] > 0
        masked = image.copy()
        masked[_resize_to(mask.astype(np.uint8), image.shape) > 0] = 0
        return [image, masked, recon]
