"""Losses for depth pre-training."""

from .depth_loss import MaskedL1DepthLoss, masked_l1_depth
from .flow_loss import (
    FlowPhotometricLoss,
    FlowSmoothnessLoss,
    flow_photometric_error,
    scale_weight,
)
from .photometric_loss import PhotometricReprojectionLoss, photometric_error, reprojection_loss
from .reconstruction_loss import MaskedReconstructionLoss, masked_l1_reconstruction
from .smoothness_loss import EdgeAwareSmoothnessLoss, edge_aware_smoothness

__all__ = [
    'photometric_error',
    'reprojection_loss',
    'PhotometricReprojectionLoss',
    'edge_aware_smoothness',
    'EdgeAwareSmoothnessLoss',
    'masked_l1_depth',
    'MaskedL1DepthLoss',
    'FlowPhotometricLoss',
    'FlowSmoothnessLoss',
    'flow_photometric_error',
    'scale_weight',
    'MaskedReconstructionLoss',
    'masked_l1_reconstruction',
]
