# NYUv2 segmentation, ResNet-50 encoder from ImageNet (torchvision weights converted with
# tools/model_converters/torchvision_resnet.py), decoder random, ImageNet normalisation.
_base_ = './depthseg_r50-random-full_1xb8-20k_nyu-448x384.py'
model = dict(data_preprocessor=dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]))
load_from = 'pretrain/imagenet_r50_encoder.pth'
load_from_hint = (
    'python tools/model_converters/torchvision_resnet.py '
    'pretrain/resnet50-0676ba61.pth pretrain/imagenet_r50_encoder.pth'
)
