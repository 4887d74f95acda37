"""Runner hooks: visualisation of depth, flow and reconstruction predictions; fine-tuning
diagnostics."""

from .depth_visualization_hook import DepthVisualizationHook
from .finetune_diagnostics_hook import FinetuneDiagnosticsHook
from .flow_visualization_hook import FlowVisualizationHook
from .reconstruction_visualization_hook import ReconstructionVisualizationHook

__all__ = [
    'DepthVisualizationHook', 'FinetuneDiagnosticsHook', 'FlowVisualizationHook',
    'ReconstructionVisualizationHook'
]
