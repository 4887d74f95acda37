"""Colour mapping of dense predictions for visualisation."""

from typing import Optional

import numpy as np

__all__ = ['colorize', 'disparity_to_color', 'stack_panels']


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
