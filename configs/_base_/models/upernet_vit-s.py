# UPerNet on a plain ViT-S (384 wide, 12 blocks, patch 14): the ViT-B model's blocks
# [2, 5, 8, 11] and stochastic depth 0.1.
_base_ = './upernet_vit-b.py'
model = dict(
    backbone=dict(arch='dinov2-s'),
    neck=dict(in_channels=[384] * 4, out_channels=384),
    decode_head=dict(in_channels=[384] * 4),
    auxiliary_head=dict(in_channels=384))
