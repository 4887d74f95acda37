# COCO 2017 instances (mmdet's base) with ViTDet's large-scale jitter at 1024 and the
# strict dataset (a category the config does not know fails, naming it). 4 images per GPU.
_base_ = ['mmdet::_base_/datasets/coco_instance.py', './det_lsj_1024.py']
train_dataloader = dict(
    batch_size=4, num_workers=4,
    dataset=dict(type='StrictCocoDataset', pipeline={{_base_.lsj_train_pipeline}}))
val_dataloader = dict(
    dataset=dict(type='StrictCocoDataset', pipeline={{_base_.lsj_test_pipeline}}))
test_dataloader = val_dataloader
num_things = 80
