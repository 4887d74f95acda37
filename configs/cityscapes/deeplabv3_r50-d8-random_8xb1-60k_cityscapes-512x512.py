# Cityscapes semantic segmentation with mmseg's DeepLabV3-R50-D8 from random initialisation
# (paper "None"), 512x512 crops, SGD poly, 60k iterations, batch 8. Labels are read as
# Cityscapes label ids (*_gtFine_labelIds.png) and mapped to the 19 train ids on load.
_base_ = [
    'mmseg::_base_/models/deeplabv3_r50-d8.py',
    'mmseg::_base_/datasets/cityscapes.py',
    '../_base_/schedules/cityscapes_seg_sgd_60k.py',
    '../_base_/default_runtime.py',
    '../_base_/normalization/unit.py',
]
crop_size = (512, 512)
data_preprocessor = dict(
    mean={{_base_.unit_normalization.mean}}, std={{_base_.unit_normalization.std}}, size=crop_size
)
model = dict(
    data_preprocessor=data_preprocessor,
    pretrained=None,
    decode_head=dict(num_classes=19),
    auxiliary_head=dict(num_classes=19),
)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale=(2048, 1024), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(2048, 1024), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=1, dataset=dict(type='CityscapesLabelIdsDataset', pipeline=train_pipeline)
)
val_dataloader = dict(dataset=dict(type='CityscapesLabelIdsDataset', pipeline=test_pipeline))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(lr=0.01))
