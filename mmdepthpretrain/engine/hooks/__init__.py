"""Runner hooks: visualisation of depth, flow and reconstruction predictions."""

from .depth_visualization_hook import DepthVisualizationHook
from .flow_visualization_hook import FlowVisualizationHook
from .reconstruction_visualization_hook import ReconstructionVisualizationHook

__all__ = ['DepthVisualizationHook', 'FlowVisualizationHook', 'ReconstructionVisualizationHook']
