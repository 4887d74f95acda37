# KITTI semantics, 16 labelled images, 640x192, the paper's schedule.
# Initialisation: ImageNet classification (torchvision weights, encoder only).
# Setup: encoder initialised, decoder random, fine-tune all (paper Fig. 1 a / Tab. 3).
_base_ = [
    '../_base_/models/depthseg_r50.py', '../_base_/datasets/kitti_semantic.py',
    '../_base_/schedules/kitti_seg_adam_20k.py', 'mmseg::_base_/default_runtime.py'
]
custom_imports = dict(imports=['mmdepthpretrain'], allow_failed_imports=False)
model = dict(
    data_preprocessor=dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]))
load_from = 'pretrain/imagenet_r50_encoder.pth'
load_from_hint = 'python tools/model_converters/torchvision_resnet.py pretrain/resnet50-0676ba61.pth pretrain/imagenet_r50_encoder.pth'
