# NYUv2 segmentation, ResNet-18 encoder from ImageNet (torchvision weights), decoder random.
_base_ = [
    './depthseg_r18-random-full_1xb8-20k_nyu-448x384.py', '../_base_/normalization/imagenet.py'
]
model = dict(data_preprocessor={{_base_.imagenet_normalization}})
load_from = 'pretrain/imagenet_r18_encoder.pth'
init_from = dict(converter='torchvision_resnet', source='pretrain/resnet18-f37072fd.pth')
