# The paper's KITTI fine-tuning schedule (Lao et al., Sec. 4): Adam, learning rate 1e-5,
# cosine decay per iteration, 20k iterations, batch 16 (8 GPUs x 2 per GPU; on fewer
# devices raise train_dataloader.batch_size so that the product stays 16).
_base_ = './seg_finetune.py'
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-5, betas=(0.9, 0.999), weight_decay=0.0))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=20000, eta_min=0.0, by_epoch=False, begin=0, end=20000)
]
train_cfg = dict(max_iters=20000, val_interval=2000)
default_hooks = dict(
    checkpoint=dict(interval=2000, max_keep_ckpts=2, save_best='mIoU7_dataset', rule='greater')
)
auto_scale_lr = dict(enable=False, base_batch_size=16)
