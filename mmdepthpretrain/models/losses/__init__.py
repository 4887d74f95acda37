"""Losses for depth pre-training."""

from .affine_invariant_loss import AffineInvariantDepthLoss, affine_invariant_disparity
from .depth_loss import MaskedL1DepthLoss, masked_l1_depth
from .flow_loss import FlowPhotometricLoss, FlowSmoothnessLoss
from .photometric_loss import PhotometricReprojectionLoss, photometric_error, reprojection_loss
from .reconstruction_loss import MaskedReconstructionLoss, masked_l1_reconstruction
from .smoothness_loss import EdgeAwareSmoothnessLoss, edge_aware_smoothness
from .utils import halving_weights, reduce_scales

__all__ = [
    'photometric_error',
    'reprojection_loss',
    'PhotometricReprojectionLoss',
    'edge_aware_smoothness',
    'EdgeAwareSmoothnessLoss',
    'masked_l1_depth',
    'affine_invariant_disparity',
    'AffineInvariantDepthLoss',
    'MaskedL1DepthLoss',
    'FlowPhotometricLoss',
    'FlowSmoothnessLoss',
    'MaskedReconstructionLoss',
    'masked_l1_reconstruction',
    'reduce_scales',
    'halving_weights',
]
