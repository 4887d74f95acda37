# The paper's optical-flow schedule (Lao et al., appendix B.3): Adam 5e-4 for 25 epochs,
# then 5e-5 for 25 epochs, batch 8; here as iterations of the KITTI Eigen-Zhou split
# (39,810 / 8 = 4,977 iterations per epoch). Also used by the reconstruction baseline.
_base_ = './adam_step.py'
iters_per_epoch = 4977
optim_wrapper = dict(optimizer=dict(lr=5e-4))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones=[25 * iters_per_epoch], gamma=0.1)
]
train_cfg = dict(max_iters=50 * iters_per_epoch, val_interval=iters_per_epoch)
default_hooks = dict(
    checkpoint=dict(interval=iters_per_epoch), visualization=dict(type='FlowVisualizationHook')
)
