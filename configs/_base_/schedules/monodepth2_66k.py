# Monodepth2's schedule: Adam 1e-4, 20 epochs, learning rate x0.1 after 15 epochs, here as
# iterations for the KITTI Eigen-Zhou split at batch 12 (39,810 / 12 = 3,318 iterations per
# epoch): 66,360 iterations, step at 49,770.
iters_per_epoch = 3318
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-4))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones=[15 * iters_per_epoch], gamma=0.1)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=20 * iters_per_epoch, val_interval=iters_per_epoch
)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook', by_epoch=False, interval=iters_per_epoch, max_keep_ckpts=3
    ),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='DepthVisualizationHook', interval=200),
)
