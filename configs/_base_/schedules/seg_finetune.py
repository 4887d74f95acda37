# What the segmentation fine-tuning schedules share: the optimiser leaves out frozen
# parameters (FrozenAwareOptimWrapperConstructor, for the frozen-encoder setups) and the
# segmentation visualisation hook.
_base_ = './iter_based.py'
optim_wrapper = dict(constructor='FrozenAwareOptimWrapperConstructor')
default_hooks = dict(visualization=dict(type='SegVisualizationHook'))
