# The recon pre-training baseline of recon_r18_1xb8-50e_kitti-640x192.py with a ResNet-50
# encoder (ImageNet-initialised); only the encoder is transferred.
_base_ = './recon_r18_1xb8-50e_kitti-640x192.py'
model = dict(
    backbone=dict(depth=50, init_cfg=dict(checkpoint='pretrain/resnet50-0676ba61.pth')),
    decode_head=dict(in_channels=[64, 256, 512, 1024, 2048]))
