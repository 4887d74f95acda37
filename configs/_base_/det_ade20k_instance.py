# ADE20K instances (the 100 "thing" classes of the ADE20K 2021 instance
# challenge, already COCO-format: ade20k_instance_train.json / ade20k_instance_val.json beside
# images/training and images/validation under data/ADEChallengeData2016/), with ViTDet's
# large-scale jitter at 1024 and the strict dataset. The class names are mmdet's
# ADE20KInstanceDataset's, in its order (category ids 1..100).
_base_ = ['mmdet::_base_/datasets/ade20k_instance.py', './det_lsj_1024.py']
ade20k_metainfo = dict(classes=(
    'bed', 'windowpane', 'cabinet', 'person', 'door', 'table', 'curtain', 'chair', 'car',
    'painting', 'sofa', 'shelf', 'mirror', 'armchair', 'seat', 'fence', 'desk', 'wardrobe',
    'lamp', 'bathtub', 'railing', 'cushion', 'box', 'column', 'signboard', 'chest of drawers',
    'counter', 'sink', 'fireplace', 'refrigerator', 'stairs', 'case', 'pool table', 'pillow',
    'screen door', 'bookcase', 'coffee table', 'toilet', 'flower', 'book', 'bench', 'countertop',
    'stove', 'palm', 'kitchen island', 'computer', 'swivel chair', 'boat', 'arcade machine',
    'bus', 'towel', 'light', 'truck', 'chandelier', 'awning', 'streetlight', 'booth',
    'television receiver', 'airplane', 'apparel', 'pole', 'bannister', 'ottoman', 'bottle', 'van',
    'ship', 'fountain', 'washer', 'plaything', 'stool', 'barrel', 'basket', 'bag', 'minibike',
    'oven', 'ball', 'food', 'step', 'trade name', 'microwave', 'pot', 'animal', 'bicycle',
    'dishwasher', 'screen', 'sculpture', 'hood', 'sconce', 'vase', 'traffic light', 'tray',
    'ashcan', 'fan', 'plate', 'monitor', 'bulletin board', 'radiator', 'glass', 'clock', 'flag',
))
train_dataloader = dict(
    batch_size=4, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(
        type='StrictCocoDataset',
        metainfo=ade20k_metainfo,
        data_root='data/ADEChallengeData2016/',
        ann_file='ade20k_instance_train.json',
        data_prefix=dict(img='images/training'),
        filter_cfg=dict(filter_empty_gt=True, min_size=32),
        pipeline={{_base_.lsj_train_pipeline}}))
val_dataloader = dict(
    dataset=dict(type='StrictCocoDataset', metainfo=ade20k_metainfo,
                 pipeline={{_base_.lsj_test_pipeline}}))
test_dataloader = val_dataloader
num_things = 100
