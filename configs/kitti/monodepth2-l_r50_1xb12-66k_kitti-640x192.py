# Depth supervised by projected velodyne points (L) on KITTI raw, ResNet-50 from ImageNet.
_base_ = './monodepth2-l_r18_1xb12-66k_kitti-640x192.py'
imagenet = 'pretrain/resnet50-0676ba61.pth'
model = dict(
    backbone=dict(depth=50, init_cfg=dict(checkpoint=imagenet)),
    decode_head=dict(in_channels=[64, 256, 512, 1024, 2048]),
)
