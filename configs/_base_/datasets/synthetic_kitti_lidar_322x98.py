# The synthetic world in the KITTI raw layout with its velodyne depth, for ViT depth models:
# the 320x96 frames resized to 322x98 (23 x 7 patches of 14, the nearest size above that the
# patch divides). Training: target frame and its lidar, flip p 0.5; validation: drive 4,
# lidar at the original resolution, Garg crop, per-image median scaling of the inverted
# relative inverse depth.
_base_ = './synthetic_kitti_depth.py'
img_scale = (322, 98)
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
train_dataloader = dict(
    dataset=dict(frame_ids=[0], with_depth=True, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(pred_type='inverse_depth')
test_evaluator = val_evaluator
