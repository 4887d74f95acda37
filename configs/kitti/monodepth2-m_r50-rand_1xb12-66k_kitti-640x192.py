# "Depth-Rand": self-supervised monocular-video depth (M) on KITTI raw from random
# initialisation, ResNet-50 (the M config without its ImageNet weights).
_base_ = './monodepth2-m_r50_1xb12-66k_kitti-640x192.py'
model = dict(backbone=dict(init_cfg=None), pose_encoder=dict(init_cfg=None))
