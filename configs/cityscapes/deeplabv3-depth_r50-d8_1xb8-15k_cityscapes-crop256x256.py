# "Depth-cropped" variant (Lao et al., Cityscapes): as the 512x1024 config, but depth is
# learnt on random 256x256 crops of the resized frames.
_base_ = [
    '../_base_/models/deeplabv3_r50-d8_depth.py', '../_base_/datasets/cityscapes_depth_crop256.py',
    '../_base_/schedules/depth_adam_linear_15k.py', '../_base_/default_runtime.py'
]
imagenet = 'pretrain/resnet50_v1c-2cccc1ad.pth'
model = dict(backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=imagenet)))
