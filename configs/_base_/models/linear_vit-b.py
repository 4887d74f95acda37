# Linear probe on a frozen plain ViT-B (768 wide): see linear_vit-l.py.
_base_ = './linear_vit-l.py'
model = dict(backbone=dict(arch='dinov2-b'), decode_head=dict(in_channels=[768]))
