# Fine-tuning a Depth Anything relative depth model: Depth Anything's optimiser (Yang et al.,
# CVPR 2024, Sec. 4: AdamW, the pre-trained encoder at 5e-6 and the decoder at 10x that,
# i.e. 5e-5 with the backbone at lr_mult 0.1), poly decay (power 0.9) over 20k iterations
# at batch 16 (8 GPUs x 2); the length and the decay are our choice.
_base_ = './iter_based.py'
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=5e-5, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}))
param_scheduler = [
    dict(type='PolyLR', power=0.9, eta_min=0.0, by_epoch=False, begin=0, end=20000)
]
train_cfg = dict(max_iters=20000, val_interval=2000)
default_hooks = dict(checkpoint=dict(interval=2000, max_keep_ckpts=2))
auto_scale_lr = dict(enable=False, base_batch_size=16)
