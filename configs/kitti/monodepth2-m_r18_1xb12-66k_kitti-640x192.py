# Self-supervised depth from monocular video (M) on KITTI raw, Monodepth2 recipe, ResNet-18
# depth and pose encoders initialised from ImageNet (torchvision weights, a local file).
_base_ = [
    '../_base_/models/monodepth2_r18.py', '../_base_/datasets/kitti_raw_depth.py',
    '../_base_/schedules/monodepth2_66k.py', '../_base_/default_runtime.py'
]
imagenet = 'pretrain/resnet18-f37072fd.pth'
# Monocular video alone fixes no scale: Monodepth2's recipe, non-metric units (the depth
# head's default init, about 0.2 m, and pose scale 0.01 for the translation too).
model = dict(
    decode_head=dict(init_disp=None),
    pose_decoder=dict(translation_scale=None),
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=imagenet)),
    pose_encoder=dict(init_cfg=dict(type='Pretrained', checkpoint=imagenet)),
)
