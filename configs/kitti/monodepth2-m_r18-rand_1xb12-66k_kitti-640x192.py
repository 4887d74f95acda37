# "Depth-Rand": self-supervised monocular-video depth (M) on KITTI raw from random
# initialisation, ResNet-18 (the M config without its ImageNet weights).
_base_ = './monodepth2-m_r18_1xb12-66k_kitti-640x192.py'
model = dict(backbone=dict(init_cfg=None), pose_encoder=dict(init_cfg=None))
