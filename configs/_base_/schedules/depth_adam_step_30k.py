# Supervised depth on NYUv2 (Lao et al.): Adam 1e-4 for 5 epochs, then 5e-5 for 5 epochs at
# batch 8. Here as iterations for a 24,231-image NYUv2 raw training list (3,029 iterations
# per epoch, 30,290 in all); change iters_per_epoch for another list.
_base_ = './adam_step.py'
iters_per_epoch = 3029
optim_wrapper = dict(optimizer=dict(lr=1e-4))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones=[5 * iters_per_epoch], gamma=0.5)
]
train_cfg = dict(max_iters=10 * iters_per_epoch, val_interval=iters_per_epoch)
default_hooks = dict(checkpoint=dict(interval=iters_per_epoch))
