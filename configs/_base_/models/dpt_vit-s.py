# dpt_vit-l.py at ViT-S: DINOv2-S shape, blocks [2, 5, 8, 11], Depth Anything v2 ViT-S's
# DPT decoder (features 64, out_channels [48, 96, 192, 384]).
_base_ = './dpt_vit-l.py'
model = dict(
    backbone=dict(arch='dinov2-s', out_indices=[2, 5, 8, 11]),
    decode_head=dict(embed_dims=384, features=64, post_process_channels=[48, 96, 192, 384]))
