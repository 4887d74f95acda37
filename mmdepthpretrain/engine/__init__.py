"""Training machinery: runner hooks, optimizer construction and wrappers."""

from .atomic_local_backend import AtomicLocalBackend, atomic_write_bytes
from .autocast_optim_wrapper import AutocastOptimWrapper
from .hooks import (
    DepthVisualizationHook,
    FinetuneDiagnosticsHook,
    FlowVisualizationHook,
    ReconstructionVisualizationHook,
)
from .layer_decay_optim_constructor import LayerDecayOptimWrapperConstructor, vit_layer_id
from .optim_constructor import FrozenAwareOptimWrapperConstructor

__all__ = [
    'AtomicLocalBackend',
    'atomic_write_bytes',
    'AutocastOptimWrapper',
    'DepthVisualizationHook',
    'FinetuneDiagnosticsHook',
    'FlowVisualizationHook',
    'ReconstructionVisualizationHook',
    'FrozenAwareOptimWrapperConstructor',
    'LayerDecayOptimWrapperConstructor',
    'vit_layer_id',
]
