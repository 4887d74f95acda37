# NYUv2 depth at Depth Anything's input size: 640x480 resized to 700x518 (short side 518,
# rounded up to a multiple of the patch 14, as Depth Anything's inference resizes),
# flip p 0.5 for training; testing on the Kinect depth at the original resolution, 10 m
# cap, the inverted relative inverse depth scaled by the per-image median.
_base_ = './nyu_depth.py'
img_scale = (700, 518)
train_pipeline = [
    dict(type='LoadMultiFrameImages'),
    dict(type='LoadDepthMap'),
    dict(type='MultiFrameResize', scale=img_scale, interpolation='bilinear'),
    dict(type='MultiFrameRandomFlip', prob=0.5),
    dict(type='PackMultiFrameInputs'),
]
test_pipeline = [
    dict(type='LoadMultiFrameImages'),
    dict(type='LoadDepthMap'),
    dict(type='MultiFrameResize', scale=img_scale, interpolation='bilinear', resize_depth=False),
    dict(type='PackMultiFrameInputs'),
]
train_dataloader = dict(batch_size=2, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(scale_mode='median', pred_type='inverse_depth')
test_evaluator = val_evaluator
