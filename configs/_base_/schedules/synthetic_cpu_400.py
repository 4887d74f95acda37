# A short CPU schedule for the synthetic world: Adam 2e-4, 400 iterations, x0.1 after 300,
# validation and a checkpoint every 100, logs every 10 iterations.
_base_ = './adam_step.py'
optim_wrapper = dict(optimizer=dict(lr=2e-4))
param_scheduler = [dict(type='MultiStepLR', by_epoch=False, milestones=[300], gamma=0.1)]
train_cfg = dict(max_iters=400, val_interval=100)
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=100, max_keep_ckpts=2),
    visualization=dict(interval=20),
)
