# Supervised depth on the synthetic indoor world in the NYU layout
# (python tools/misc/make_synthetic_world.py --out data/synthetic_nyu --layout nyu),
# CPU sized 160x120, depth PNGs in millimetres.
_base_ = './nyu_depth.py'
data_root = 'data/synthetic_nyu'
img_scale = (160, 120)
train_pipeline = [
    dict(type='LoadMultiFrameImages'),
    dict(type='LoadDepthMap'),
    dict(type='MultiFrameResize', scale=img_scale, interpolation='area'),
    dict(type='MultiFrameRandomFlip', prob=0.5),
    dict(type='PackMultiFrameInputs'),
]
test_pipeline = [
    dict(type='LoadMultiFrameImages'),
    dict(type='LoadDepthMap'),
    dict(type='MultiFrameResize', scale=img_scale, interpolation='area', resize_depth=False),
    dict(type='PackMultiFrameInputs'),
]
train_dataloader = dict(
    batch_size=4, num_workers=1, dataset=dict(data_root=data_root, pipeline=train_pipeline)
)
val_dataloader = dict(num_workers=1, dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
