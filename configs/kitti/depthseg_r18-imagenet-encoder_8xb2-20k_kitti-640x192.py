# Initialisation: ImageNet classification (torchvision weights, encoder only).
# Setup: encoder initialised, decoder random, fine-tune all (paper Fig. 1 a / Tab. 3).
_base_ = [
    './depthseg_r18-random-full_8xb2-20k_kitti-640x192.py', '../_base_/normalization/imagenet.py'
]
model = dict(data_preprocessor={{_base_.imagenet_normalization}})
load_from = 'pretrain/imagenet_r18_encoder.pth'
init_from = dict(converter='torchvision_resnet', source='pretrain/resnet18-f37072fd.pth')
