# Cityscapes as mmseg's dataset base, with 896x896 training crops (Depth Anything's crop;
# a multiple of both ViT patch sizes, 14 and 16, so slide inference with the same crop needs
# no padding); random resize of 2048x1024 by 0.5-2, flip and photometric distortion as
# mmseg's; testing at 2048x1024.
_base_ = 'mmseg::_base_/datasets/cityscapes.py'
crop_size = (896, 896)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale=(2048, 1024), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
