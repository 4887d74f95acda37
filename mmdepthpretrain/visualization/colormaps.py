"""Colour coding of dense maps for figures and hooks: depth/disparity, optical flow,
labels; one implementation of each for the whole package."""

from typing import Optional

import cv2
import numpy as np

__all__ = [
    'colorize', 'disparity_to_color', 'stack_panels', 'make_color_wheel', 'flow_to_color',
    'resize_nearest', 'colorize_labels',
]


def colorize(
    values: np.ndarray,
    cmap: str = 'magma',
    vmin: Optional[float] = None,
    vmax: Optional[float] = None,
) -> np.ndarray:
    """Map a 2D array to RGB uint8 through a matplotlib colour map.

    Args:
        values (np.ndarray): ``(H, W)`` values; non-finite ones are drawn as ``vmin``.
        cmap (str): Matplotlib colour map name. Defaults to 'magma'.
        vmin (float, optional): Value at the bottom of the map. Defaults to the minimum.
        vmax (float, optional): Value at the top of the map. Defaults to the maximum.

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8 RGB.
    """
    import matplotlib

    values = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values)
    lo = float(values[finite].min()) if vmin is None and finite.any() else (vmin or 0.0)
    hi = float(values[finite].max()) if vmax is None and finite.any() else (vmax or 1.0)
    scaled = np.where(finite, values, lo)
    scaled = np.clip((scaled - lo) / max(hi - lo, 1e-12), 0.0, 1.0)
    lut = (matplotlib.colormaps[cmap](np.linspace(0, 1, 256))[:, :3] * 255).astype(np.uint8)
    return lut[np.round(scaled * 255).astype(np.int64)]


def disparity_to_color(
    disp: np.ndarray, cmap: str = 'magma', percentile: float = 95.0
) -> np.ndarray:
    """Colour-map a disparity (near = bright), saturating at a high percentile.

    Args:
        disp (np.ndarray): ``(H, W)`` disparity (or inverse depth).
        cmap (str): Colour map. Defaults to 'magma'.
        percentile (float): Percentile mapped to the top of the colour map, so a few
            very near pixels do not wash out the image. Defaults to 95.

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8 RGB.
    """
    disp = np.asarray(disp, dtype=np.float64)
    finite = disp[np.isfinite(disp)]
    vmax = float(np.percentile(finite, percentile)) if finite.size else 1.0
    vmin = float(finite.min()) if finite.size else 0.0
    return colorize(disp, cmap, vmin=vmin, vmax=max(vmax, vmin + 1e-12))


def stack_panels(*panels: np.ndarray) -> np.ndarray:
    """Stack equally wide RGB panels vertically (grey images are repeated to RGB)."""
    rgb = [np.repeat(p[..., None], 3, axis=-1) if p.ndim == 2 else p for p in panels]
    widths = {p.shape[1] for p in rgb}
    if len(widths) != 1:
        raise ValueError(f'stack_panels: panels must have the same width, got {sorted(widths)}')
    return np.concatenate([p.astype(np.uint8) for p in rgb], axis=0)


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


def resize_nearest(img: np.ndarray, shape) -> np.ndarray:
    """Resize ``img`` to ``shape[:2]`` with nearest neighbour (identity when equal)."""
    if img.shape[:2] == tuple(shape[:2]):
        return img
    return cv2.resize(img, (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)


def colorize_labels(labels: np.ndarray, palette, ignore_index: Optional[int] = 255) -> np.ndarray:
    """Map an integer label map to RGB through a palette; ids without a colour are black.

    Args:
        labels (np.ndarray): ``(H, W)`` integer labels (train ids or dataset label ids).
        palette (Sequence or Mapping): Colours by id: a sequence indexed by id (an mmseg
            dataset's ``palette``) or a mapping ``{id: (r, g, b)}`` (e.g. Cityscapes label
            ids).
        ignore_index (int, optional): Id drawn black even if the palette colours it.
            Defaults to 255.

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8 RGB.
    """
    lut = np.zeros((256, 3), np.uint8)
    items = palette.items() if hasattr(palette, 'items') else enumerate(palette)
    for i, colour in items:
        if 0 <= int(i) < 256 and i != ignore_index:
            lut[int(i)] = colour
    return lut[np.clip(labels, 0, 255).astype(np.uint8)]
