# Monodepth2's schedule: Adam 1e-4, 20 epochs, learning rate x0.1 after 15 epochs, here as
# iterations for the KITTI Eigen-Zhou split at batch 12 (39,810 / 12 = 3,318 iterations per
# epoch): 66,360 iterations, step at 49,770.
_base_ = './adam_step.py'
iters_per_epoch = 3318
optim_wrapper = dict(optimizer=dict(lr=1e-4))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones=[15 * iters_per_epoch], gamma=0.1)
]
train_cfg = dict(max_iters=20 * iters_per_epoch, val_interval=iters_per_epoch)
default_hooks = dict(checkpoint=dict(interval=iters_per_epoch))
