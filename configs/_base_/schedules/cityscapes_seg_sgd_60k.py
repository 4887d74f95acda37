# Cityscapes fine-tuning schedule (Lao et al., Cityscapes experiments): SGD, momentum 0.9,
# weight decay 1e-4, poly decay (power 0.9), 60k iterations, batch 8 (8 GPUs x 1).
# The learning rate depends on the initialisation (the paper grid-searched it): set
# optim_wrapper.optimizer.lr per config.
_base_ = './seg_finetune.py'
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4), clip_grad=None
)
param_scheduler = [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=60000, by_epoch=False)]
train_cfg = dict(max_iters=60000, val_interval=6000)
default_hooks = dict(checkpoint=dict(interval=6000, max_keep_ckpts=2))
auto_scale_lr = dict(enable=False, base_batch_size=8)
