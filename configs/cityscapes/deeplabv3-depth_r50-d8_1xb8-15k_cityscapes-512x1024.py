# DeepLabV3-R50-D8 with a one-channel disparity head supervised by Cityscapes disparity
# depth (Lao et al.: Adam 1e-4 with linear decay, batch 8, 15k iterations, colour jitter +
# flip); the head is replaced by a classifier for segmentation fine-tuning. ImageNet
# initialisation from mmseg's ResNet-50-V1c weights (a local file).
_base_ = [
    '../_base_/models/deeplabv3_r50-d8_depth.py', '../_base_/datasets/cityscapes_depth.py',
    '../_base_/schedules/depth_adam_linear_15k.py', '../_base_/default_runtime.py'
]
imagenet = 'pretrain/resnet50_v1c-2cccc1ad.pth'
model = dict(backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=imagenet)))
