# Initialisation: ImageNet classification (torchvision weights, encoder only).
# Setup: cross architecture: encoder initialises DeepLabV3-R50, decoder random, fine-tune all (paper Fig. 1 c).
_base_ = [
    './deeplabv3_r50-d8-random-cross_8xb2-20k_kitti-640x192.py',
    '../_base_/normalization/imagenet.py',
]
model = dict(data_preprocessor={{_base_.imagenet_normalization}})
load_from = 'pretrain/imagenet_r50_encoder.pth'
init_from = dict(converter='torchvision_resnet', source='pretrain/resnet50-0676ba61.pth')
