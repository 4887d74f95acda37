# A short CPU schedule for the synthetic world: Adam, 400 iterations, validation and a
# checkpoint every 100.
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=2e-4))
param_scheduler = [dict(type='MultiStepLR', by_epoch=False, milestones=[300], gamma=0.1)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=400, val_interval=100)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=10, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=100, max_keep_ckpts=2),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='DepthVisualizationHook', interval=20),
)
