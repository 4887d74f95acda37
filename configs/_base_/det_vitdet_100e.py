# ViTDet's schedule: 100 epochs (COCO: 184,375 iterations of 64 images), linear warm-up over
# 250 iterations from 0.001 of the lr, lr x0.1 at epochs 88 and 96 (ViTDet's iterations
# 163,889 and 177,546 of 184,375), validation and a checkpoint every 10 epochs. The
# optimiser lives with the model size (det_mask-rcnn_vit-*_sfpn.py). Train with --amp as
# ViTDet does.
_base_ = './det_runtime.py'
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=100, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=250),
    dict(type='MultiStepLR', begin=0, end=100, by_epoch=True, milestones=[88, 96], gamma=0.1),
]
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=3))
