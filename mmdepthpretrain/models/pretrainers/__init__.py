"""Pre-training algorithms: self-supervised and supervised depth, optical flow, masked
reconstruction. Each owns its `loss()`; the loss terms live in `models/losses`."""

from .base_pretrainer import BasePretrainer, ordered_frames
from .flow_siamese import FlowSiameseEstimator
from .masked_reconstruction import MaskedReconstructionEstimator, random_rectangle_masks
from .selfsup_depth_estimator import SelfSupDepthEstimator
from .supervision import parse_supervision

__all__ = [
    'BasePretrainer',
    'SelfSupDepthEstimator',
    'parse_supervision',
    'FlowSiameseEstimator',
    'ordered_frames',
    'MaskedReconstructionEstimator',
    'random_rectangle_masks',
]
