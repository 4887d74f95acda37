# Cityscapes sequences for self-supervised depth: every frame of leftImg8bit_sequence with
# both neighbours (frames [0, -1, 1]), resized to 512x256, flip p 0.5. Validation: the
# annotated val frames with disparity-derived depth, per-image median scaling.
_base_ = './cityscapes_depth.py'
img_scale = (512, 256)
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
    batch_size=12,
    dataset=dict(
        img_dir='leftImg8bit_sequence',
        frame_ids=[0, -1, 1],
        with_depth=False,
        pipeline=train_pipeline,
    ),
)
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(scale_mode='median')
test_evaluator = val_evaluator
