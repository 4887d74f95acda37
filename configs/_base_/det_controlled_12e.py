# The controlled schedule for quick comparisons between initialisations: 12 epochs (mmdet's
# 1x), the same optimiser, warm-up and jitter as ViTDet's recipe, lr x0.1 at epochs 8 and
# 11, 16 images per step (leaves set 2 per GPU on 8 GPUs), validation every 4 epochs.
_base_ = './det_runtime.py'
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=4)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=250),
    dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[8, 11], gamma=0.1),
]
default_hooks = dict(checkpoint=dict(interval=4, max_keep_ckpts=3))
