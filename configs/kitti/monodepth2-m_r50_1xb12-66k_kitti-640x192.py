# Self-supervised depth from monocular video (M) on KITTI raw, Monodepth2 recipe, ResNet-50
# depth and pose encoders initialised from ImageNet (torchvision weights, a local file).
_base_ = './monodepth2-m_r18_1xb12-66k_kitti-640x192.py'
imagenet = 'pretrain/resnet50-0676ba61.pth'
model = dict(
    backbone=dict(depth=50, init_cfg=dict(checkpoint=imagenet)),
    decode_head=dict(in_channels=[64, 256, 512, 1024, 2048]),
    pose_encoder=dict(depth=50, init_cfg=dict(checkpoint=imagenet)),
    pose_decoder=dict(in_channels=2048),
)
