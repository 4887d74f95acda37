# Self-supervised depth on synthetic Cityscapes-layout sequences (frames [0, -1, 1]),
# CPU sized 256x128; validation on the annotated val frames (disparity depth).
_base_ = './cityscapes_sequence_depth.py'
data_root = 'data/synthetic_cityscapes'
img_scale = (256, 128)
train_pipeline = [
    dict(type='LoadMultiFrameImages', decode_size=img_scale),
    dict(type='MultiFrameResize', scale=img_scale, interpolation='area'),
    dict(type='MultiFrameRandomFlip', prob=0.5),
    dict(type='PackMultiFrameInputs'),
]
test_pipeline = [
    dict(type='LoadMultiFrameImages', decode_size=img_scale),
    dict(type='LoadDepthMap', mode='cityscapes_disparity'),
    dict(type='MultiFrameResize', scale=img_scale, interpolation='area', resize_depth=False),
    dict(type='PackMultiFrameInputs'),
]
train_dataloader = dict(
    batch_size=4, num_workers=1, dataset=dict(data_root=data_root, pipeline=train_pipeline)
)
val_dataloader = dict(num_workers=1, dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
