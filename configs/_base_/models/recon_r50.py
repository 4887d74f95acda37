# Masked-reconstruction pre-training baseline with a ResNet-50 encoder (see recon_r18.py).
_base_ = './recon_r18.py'
model = dict(backbone=dict(depth=50), decode_head=dict(in_channels=[64, 256, 512, 1024, 2048]))
