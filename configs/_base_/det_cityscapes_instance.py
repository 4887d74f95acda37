# Cityscapes instances (the 8 classes of mmdet's CityscapesDataset) from COCO JSON written
# by tools/dataset_converters/instances_to_coco.py:
#   python tools/dataset_converters/instances_to_coco.py data/cityscapes \
#       data/cityscapes/annotations/instancesonly_filtered_gtFine_train.json \
#       --layout cityscapes --split train        # and --split val (..._val.json)
# ViTDet's large-scale jitter at 1024, the strict dataset, COCO box and mask mAP only (mmdet's
# base adds CityscapesMetric, which needs cityscapesscripts).
_base_ = ['mmdet::_base_/datasets/cityscapes_instance.py', './det_lsj_1024.py']
cityscapes_metainfo = dict(
    classes=('person', 'rider', 'car', 'truck', 'bus', 'train', 'motorcycle', 'bicycle'))
train_dataloader = dict(
    batch_size=4, num_workers=4,
    dataset=dict(
        _delete_=True,
        type='StrictCocoDataset',
        metainfo=cityscapes_metainfo,
        data_root='data/cityscapes/',
        ann_file='annotations/instancesonly_filtered_gtFine_train.json',
        data_prefix=dict(img='leftImg8bit/train/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=32),
        pipeline={{_base_.lsj_train_pipeline}}))
val_dataloader = dict(
    dataset=dict(type='StrictCocoDataset', metainfo=cityscapes_metainfo,
                 pipeline={{_base_.lsj_test_pipeline}}))
test_dataloader = val_dataloader
val_evaluator = dict(
    _delete_=True,
    type='CocoMetric',
    ann_file='data/cityscapes/annotations/instancesonly_filtered_gtFine_val.json',
    metric=['bbox', 'segm'])
test_evaluator = val_evaluator
num_things = 8
