"""Evaluation metrics of mmdepthpretrain."""

from . import metrics
from .metrics import *  # noqa: F401,F403 (its __all__)

__all__ = list(metrics.__all__)
