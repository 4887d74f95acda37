# The paper's optical-flow schedule (Lao et al., appendix B.3): Adam 5e-4 for 25 epochs,
# then 5e-5 for 25 epochs, batch 8; here as iterations of the KITTI Eigen-Zhou split
# (39,810 / 8 = 4,977 iterations per epoch). Also used by the reconstruction baseline.
iters_per_epoch = 4977
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=5e-4))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones=[25 * iters_per_epoch], gamma=0.1)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=50 * iters_per_epoch, val_interval=iters_per_epoch
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
    visualization=dict(type='FlowVisualizationHook', interval=200),
)
