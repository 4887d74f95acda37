"""Intrinsics updates under image resampling (pixel-centre convention).

With integer pixel coordinates at pixel centres, resizing a whole image by factors
``(sx, sy)`` (as ``cv2.resize`` samples it) maps ``u' = sx (u + 0.5) - 0.5``, so
``fx' = sx fx`` and ``cx' = sx (cx + 0.5) - 0.5``; cropping at ``(x0, y0)`` gives
``cx' = cx - x0``; a horizontal flip of width ``W`` maps ``u' = W - 1 - u`` and mirrors
the scene (``X' = -X``), so ``cx' = W - 1 - cx`` and the skew changes sign, and any
rigid transform ``T`` becomes ``F T F`` with ``F = diag(-1, 1, 1, 1)``.
"""

import numpy as np

__all__ = ['scale_intrinsics', 'crop_intrinsics', 'flip_intrinsics', 'flip_transform']


def scale_intrinsics(K: np.ndarray, sx: float, sy: float) -> np.ndarray:
    """Intrinsics after resizing the image by ``(sx, sy)``.

    Args:
        K (np.ndarray): 3x3 or 4x4 intrinsics.
        sx (float): Horizontal scale (new width / old width).
        sy (float): Vertical scale.

    Returns:
        np.ndarray: New intrinsics, same shape and dtype.
    """
    K = np.array(K, copy=True)
    K[0, :3] *= sx
    K[1, :3] *= sy
    K[0, 2] += 0.5 * sx - 0.5
    K[1, 2] += 0.5 * sy - 0.5
    return K


def crop_intrinsics(K: np.ndarray, x0: float, y0: float) -> np.ndarray:
    """Intrinsics after cropping at top-left ``(x0, y0)``."""
    K = np.array(K, copy=True)
    K[0, 2] -= x0
    K[1, 2] -= y0
    return K


def flip_intrinsics(K: np.ndarray, width: int) -> np.ndarray:
    """Intrinsics after a horizontal flip of an image of ``width`` pixels."""
    K = np.array(K, copy=True)
    K[0, 2] = (width - 1) - K[0, 2]
    K[0, 1] = -K[0, 1]
    return K


def flip_transform(T: np.ndarray) -> np.ndarray:
    """Rigid transform expressed in horizontally mirrored cameras: ``F T F``.

    For a pure translation this negates the x translation (the stereo side swaps).
    """
    F = np.diag(np.array([-1.0, 1.0, 1.0, 1.0], dtype=np.float64))
    return (F @ np.asarray(T, dtype=np.float64) @ F).astype(np.asarray(T).dtype)
