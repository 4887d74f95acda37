# Self-supervised depth on the synthetic world in the KITTI raw layout
# (python tools/misc/make_synthetic_world.py --out data/synthetic --layout kitti), CPU
# sized: 320x96, frames [0, -1, 1] (add 's' for stereo). No split files: the index is
# built from the root; drives 1-3 train, drive 4 validates with velodyne depth.
_base_ = './kitti_raw_depth.py'
data_root = 'data/synthetic'
img_scale = (320, 96)
val_drive = '2011_01_01_drive_0004_sync'
train_pipeline = [
    dict(type='LoadMultiFrameImages', decode_size=img_scale),
    dict(type='MultiFrameResize', scale=img_scale, interpolation='area'),
    dict(type='MultiFrameRandomFlip', prob=0.5),
    dict(type='PackMultiFrameInputs'),
]
test_pipeline = [
    dict(type='LoadMultiFrameImages', decode_size=img_scale),
    dict(type='LoadDepthFromLidar', at='original'),
    dict(type='MultiFrameResize', scale=img_scale, interpolation='area', resize_depth=False),
    dict(type='PackMultiFrameInputs'),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    dataset=dict(
        data_root=data_root,
        ann_file='',
        split_cfg=dict(exclude_scenes=[val_drive]),
        pipeline=train_pipeline,
    ),
)
val_dataloader = dict(
    num_workers=1,
    dataset=dict(
        data_root=data_root,
        ann_file='',
        split_cfg=dict(include_scenes=[val_drive], sides=['l']),
        pipeline=test_pipeline,
    ),
)
test_dataloader = val_dataloader
