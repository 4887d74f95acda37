# UPerNet on a plain ViT-B (768 wide, 12 blocks, patch 14): blocks [2, 5, 8, 11] (Depth
# Anything v2's taps for 12 blocks), stochastic depth 0.1.
_base_ = './upernet_vit-l.py'
model = dict(
    backbone=dict(arch='dinov2-b', out_indices=[2, 5, 8, 11], drop_path_rate=0.1),
    neck=dict(in_channels=[768] * 4, out_channels=768),
    decode_head=dict(in_channels=[768] * 4),
    auxiliary_head=dict(in_channels=768))
