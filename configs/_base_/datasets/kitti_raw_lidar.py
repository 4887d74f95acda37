# KITTI raw with velodyne supervision (the paper's "lidar" depth variant): the target
# frame only, lidar projected at the network input size (after the resize, before the
# flip, so no point is lost to resampling), flip p 0.5.
_base_ = './kitti_raw_depth.py'
img_scale = (640, 192)
train_pipeline = [
    dict(type='LoadMultiFrameImages', decode_size=img_scale),
    dict(type='MultiFrameResize', scale=img_scale, interpolation='area'),
    dict(type='LoadDepthFromLidar', at='current'),
    dict(type='MultiFrameRandomFlip', prob=0.5),
    dict(type='PackMultiFrameInputs'),
]
train_dataloader = dict(dataset=dict(frame_ids=[0], with_depth=True, pipeline=train_pipeline))
