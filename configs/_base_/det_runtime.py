# The runtime of every detection config: mmdet's (default scope mmdet, DetVisualizationHook,
# epoch-based log processor) plus the import that registers this plugin's components in
# mmdet's registries (PlainViT, SimpleFPN, LN2d, LayerDecayOptimWrapperConstructor,
# StrictCocoDataset), from plugin.py. configs/_base_/default_runtime.py is mmseg's and cannot serve:
# mmengine refuses bases that share keys, so this file inherits mmdet's runtime directly.
# Checkpoints go through the atomic backend (a killed run never leaves a partial file).
_base_ = ['mmdet::_base_/default_runtime.py', './plugin.py']
default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))
