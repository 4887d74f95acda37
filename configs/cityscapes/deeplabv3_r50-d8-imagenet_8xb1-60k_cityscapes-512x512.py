# Cityscapes DeepLabV3-R50-D8 from ImageNet (mmseg's ResNet-50-V1c weights, a local file),
# ImageNet normalisation, learning rate 0.01 (the paper's best for ImageNet).
_base_ = [
    './deeplabv3_r50-d8-random_8xb1-60k_cityscapes-512x512.py',
    '../_base_/normalization/imagenet.py',
]
model = dict(
    data_preprocessor={{_base_.imagenet_normalization}},
    backbone=dict(
        init_cfg=dict(type='Pretrained', checkpoint='pretrain/resnet50_v1c-2cccc1ad.pth')
    ),
)
optim_wrapper = dict(optimizer=dict(lr=0.01))
