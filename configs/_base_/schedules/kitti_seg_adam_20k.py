# The paper's KITTI fine-tuning schedule (Lao et al., Sec. 4): Adam, learning rate 1e-5,
# cosine decay per iteration, 20k iterations, batch 16 (8 GPUs x 2 per GPU; on fewer
# devices raise train_dataloader.batch_size so that the product stays 16).
optim_wrapper = dict(
    type='OptimWrapper',
    constructor='FrozenAwareOptimWrapperConstructor',
    optimizer=dict(type='Adam', lr=1e-5, betas=(0.9, 0.999), weight_decay=0.0),
)
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=20000, eta_min=0.0, by_epoch=False, begin=0, end=20000)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=20000, val_interval=2000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=False,
        interval=2000,
        max_keep_ckpts=2,
        save_best='mIoU7_dataset',
        rule='greater',
    ),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'),
)
auto_scale_lr = dict(enable=False, base_batch_size=16)
