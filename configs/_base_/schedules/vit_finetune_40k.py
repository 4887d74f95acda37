# vit_finetune_160k.py at Pascal VOC's length (mmseg's longer VOC-aug schedule: 40k
# iterations, batch 16).
_base_ = './vit_finetune_160k.py'
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=1500, end=40000),
]
train_cfg = dict(max_iters=40000, val_interval=4000)
default_hooks = dict(checkpoint=dict(interval=4000))
