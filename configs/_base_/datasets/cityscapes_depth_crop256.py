# "Depth-cropped" Cityscapes depth (paper Sec. 5): as cityscapes_depth.py, but the
# network trains on random 256x256 crops of the resized frames.
_base_ = './cityscapes_depth.py'
img_scale = (1024, 512)
train_pipeline = [
    dict(type='LoadMultiFrameImages', decode_size=img_scale),
    dict(type='LoadDepthMap', mode='cityscapes_disparity'),
    dict(type='MultiFrameResize', scale=img_scale, interpolation='area'),
    dict(type='MultiFrameRandomCrop', crop_size=(256, 256)),
    dict(type='MultiFrameRandomFlip', prob=0.5),
    dict(type='PackMultiFrameInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
