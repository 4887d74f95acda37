# "Depth-cropped" lidar-supervised depth (L) on the synthetic KITTI-layout world (the paper's
# Tab. 5 variant): the L config, but the network trains on random 96x96 crops of the 320x96
# frames, so it cannot read depth off the image row; it validates on whole frames.
_base_ = './monodepth2-l_r18_1xb4-400_synthetic-320x96.py'
img_scale = (320, 96)
train_pipeline = [
    dict(type='LoadMultiFrameImages', decode_size=img_scale),
    dict(type='MultiFrameResize', scale=img_scale, interpolation='area'),
    dict(type='LoadDepthFromLidar', at='current'),
    dict(type='MultiFrameRandomCrop', crop_size=(96, 96)),
    dict(type='MultiFrameRandomFlip', prob=0.5),
    dict(type='PackMultiFrameInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
