# Self-supervised depth from monocular video and stereo (MS) on KITTI raw, ResNet-50
# from ImageNet; metric scale from the stereo baseline (no median scaling).
_base_ = './monodepth2-ms_r18_1xb12-66k_kitti-640x192.py'
imagenet = 'pretrain/resnet50-0676ba61.pth'
model = dict(
    backbone=dict(depth=50, init_cfg=dict(checkpoint=imagenet)),
    decode_head=dict(in_channels=[64, 256, 512, 1024, 2048]),
    pose_encoder=dict(depth=50, init_cfg=dict(checkpoint=imagenet)),
    pose_decoder=dict(in_channels=2048),
)
