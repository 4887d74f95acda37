# What every schedule here shares: iteration-based loops and mmseg's default hooks (timer,
# logger every 50 iterations, parameter scheduler, sampler seed, checkpoints counted in
# iterations). A schedule inheriting this file adds the optimiser, the learning-rate
# policy, the length, the checkpoint interval and the visualisation hook. Checkpoints and
# `last_checkpoint` are written through a temporary file and a rename ('atomic_local',
# mmdepthpretrain/engine/atomic_local_backend.py): a killed run never leaves a partial file.
optim_wrapper = dict(type='OptimWrapper')
train_cfg = dict(type='IterBasedTrainLoop')
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False,
                    backend_args=dict(backend='atomic_local')),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)
