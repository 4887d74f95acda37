"""Training machinery: hooks, optimizer construction, visualisation helpers."""

from .autocast_optim_wrapper import AutocastOptimWrapper
from .flow_visualization import (
                                 FlowVisualizationHook,
                                 ReconstructionVisualizationHook,
                                 flow_to_color,
                                 make_color_wheel,
)
from .hooks import DepthVisualizationHook
from .optim_constructor import FrozenAwareOptimWrapperConstructor
from .visualization import colorize, disparity_to_color, stack_panels

__all__ = [
    'AutocastOptimWrapper',
    'DepthVisualizationHook',
    'FrozenAwareOptimWrapperConstructor',
    'colorize',
    'disparity_to_color',
    'stack_panels',
    'FlowVisualizationHook',
    'ReconstructionVisualizationHook',
    'flow_to_color',
    'make_color_wheel',
]
