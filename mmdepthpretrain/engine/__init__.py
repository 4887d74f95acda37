"""Training machinery: runner hooks, optimizer construction and wrappers."""

from .autocast_optim_wrapper import AutocastOptimWrapper
from .hooks import DepthVisualizationHook, FlowVisualizationHook, ReconstructionVisualizationHook
from .optim_constructor import FrozenAwareOptimWrapperConstructor

__all__ = [
    'AutocastOptimWrapper',
    'DepthVisualizationHook',
    'FlowVisualizationHook',
    'ReconstructionVisualizationHook',
    'FrozenAwareOptimWrapperConstructor',
]
