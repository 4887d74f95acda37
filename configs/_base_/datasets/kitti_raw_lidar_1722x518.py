# KITTI raw with velodyne depth at Depth Anything's input size: the 1242x375 frames resized
# to 1722x518, a multiple of the patch 14 whose short side is 518, as Depth Anything's own
# inference resizes (keep the aspect ratio, short side 518, round to a multiple of 14;
# bilinear here, bicubic there). Training: lidar projected at that size, flip p 0.5.
# Testing: Eigen's split, lidar at the original resolution (the prediction is resized to it),
# Garg crop, 80 m cap, the inverted relative inverse depth scaled by the per-image median.
_base_ = './kitti_raw_lidar.py'
img_scale = (1722, 518)
train_pipeline = [
    dict(type='LoadMultiFrameImages'),
    dict(type='MultiFrameResize', scale=img_scale, interpolation='bilinear'),
    dict(type='LoadDepthFromLidar', at='current'),
    dict(type='MultiFrameRandomFlip', prob=0.5),
    dict(type='PackMultiFrameInputs'),
]
test_pipeline = [
    dict(type='LoadMultiFrameImages'),
    dict(type='LoadDepthFromLidar', at='original'),
    dict(type='MultiFrameResize', scale=img_scale, interpolation='bilinear', resize_depth=False),
    dict(type='PackMultiFrameInputs'),
]
train_dataloader = dict(batch_size=2, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
val_evaluator = dict(pred_type='inverse_depth')
test_evaluator = val_evaluator
