# Cityscapes supervised depth from disparity (depth = fx * baseline / disparity, camera
# json per image): annotated frames (leftImg8bit) with disparity/, resized to 1024x512,
# horizontal flip; colour jitter runs in the model's data preprocessor. See
# cityscapes_depth_crop256.py for the "depth-cropped" variant (random 256x256 crops) and
# cityscapes_sequence_depth.py for self-supervised sequences.
dataset_type = 'CityscapesDepthDataset'
data_root = 'data/cityscapes'
img_scale = (1024, 512)  # (width, height)
train_pipeline = [
    dict(type='LoadMultiFrameImages', decode_size=img_scale),
    dict(type='LoadDepthMap', mode='cityscapes_disparity'),
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
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        img_dir='leftImg8bit',
        frame_ids=[0],
        with_depth=True,
        pipeline=train_pipeline,
    ),
)
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='val',
        img_dir='leftImg8bit',
        frame_ids=[0],
        with_depth=True,
        test_mode=True,
        pipeline=test_pipeline,
    ),
)
test_dataloader = val_dataloader
val_evaluator = dict(
    type='MonoDepthMetric', crop=None, min_depth=1e-3, max_depth=80.0, scale_mode='none'
)
test_evaluator = val_evaluator
