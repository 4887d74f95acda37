# Supervised depth pre-training of DeepLabV3-R50 on Cityscapes (Lao et al.): Adam 1e-4 with
# linear decay, 15k iterations (batch 8 in the dataset config).
_base_ = './iter_based.py'
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-4))
param_scheduler = [
    dict(type='LinearLR', by_epoch=False, start_factor=1.0, end_factor=0.0, begin=0, end=15000)
]
train_cfg = dict(max_iters=15000, val_interval=1500)
default_hooks = dict(
    checkpoint=dict(interval=1500, max_keep_ckpts=3),
    visualization=dict(type='DepthVisualizationHook', interval=100),
)
