# Monodepth2 depth + pose networks with ResNet-50 encoders (see monodepth2_r18.py).
_base_ = './monodepth2_r18.py'
model = dict(
    backbone=dict(depth=50),
    decode_head=dict(in_channels=[64, 256, 512, 1024, 2048]),
    pose_encoder=dict(depth=50),
    pose_decoder=dict(in_channels=2048),
)
