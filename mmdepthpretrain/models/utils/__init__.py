"""Camera geometry, flow warping and image similarity utilities."""

from . import geometry
from .geometry import *  # noqa: F401,F403 (its __all__)
from .ssim import ssim_dissimilarity

__all__ = geometry.__all__ + ['ssim_dissimilarity']
