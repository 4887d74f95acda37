# Instances of the synthetic world (Cityscapes layout: cars and persons with masks) as COCO,
# written by tools/dataset_converters/instances_to_coco.py:
#   python tools/misc/make_synthetic_world.py --out data/synthetic_det --layout cityscapes \
#       --sequences 4 --frames 8 --size 256x128
#   python tools/dataset_converters/instances_to_coco.py data/synthetic_det \
#       data/synthetic_det/annotations/instances_train.json --layout cityscapes --split train
#   (and --split val -> instances_val.json)
# Images keep their size (multiples of 32 here); flip only. The 8 classes are the
# converter's (Cityscapes instance classes; the world has persons and cars).
data_root = 'data/synthetic_det/'
synthetic_metainfo = dict(
    classes=('person', 'rider', 'car', 'truck', 'bus', 'train', 'motorcycle', 'bicycle'))
num_things = 8
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale_factor=1.0),  # records the scale factor the mask head needs
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='StrictCocoDataset', metainfo=synthetic_metainfo, data_root=data_root,
        ann_file='annotations/instances_train.json', data_prefix=dict(img='leftImg8bit/train/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=4), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1, num_workers=0, persistent_workers=False, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='StrictCocoDataset', metainfo=synthetic_metainfo, data_root=data_root,
        ann_file='annotations/instances_val.json', data_prefix=dict(img='leftImg8bit/val/'),
        test_mode=True, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='CocoMetric', ann_file=data_root + 'annotations/instances_val.json',
                     metric=['bbox', 'segm'])
test_evaluator = val_evaluator
