# CPU-sized lidar-supervised depth (L) on the synthetic KITTI-layout world: velodyne points
# projected at the network input size, masked L1; the S config's metric setup with lidar
# depth in place of the stereo view.
_base_ = './monodepth2-s_r18_1xb4-400_synthetic-320x96.py'
img_scale = (320, 96)
train_pipeline = [
    dict(type='LoadMultiFrameImages', decode_size=img_scale),
    dict(type='MultiFrameResize', scale=img_scale, interpolation='area'),
    dict(type='LoadDepthFromLidar', at='current'),
    dict(type='MultiFrameRandomFlip', prob=0.5),
    dict(type='PackMultiFrameInputs'),
]
model = dict(
    supervision='L',
    frame_ids=[0],
    smoothness_loss=None,
    depth_loss=dict(type='MaskedL1DepthLoss', max_depth=80.0),
)
train_dataloader = dict(dataset=dict(frame_ids=[0], with_depth=True, pipeline=train_pipeline))
