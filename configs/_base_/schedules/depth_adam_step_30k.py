# Supervised depth on NYUv2 (Lao et al.): Adam 1e-4 for 5 epochs, then 5e-5 for 5 epochs at
# batch 8. Here as iterations for a 24,231-image NYUv2 raw training list (3,029 iterations
# per epoch); change iters_per_epoch for another list.
iters_per_epoch = 3029
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-4))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones=[5 * iters_per_epoch], gamma=0.5)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=10 * iters_per_epoch, val_interval=iters_per_epoch
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
