# Linear probe on a frozen plain ViT-S (384 wide): see linear_vit-l.py.
_base_ = './linear_vit-l.py'
model = dict(backbone=dict(arch='dinov2-s'), decode_head=dict(in_channels=[384]))
