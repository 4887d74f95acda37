# Depth Anything v2 ViT-S: DINOv2-S shape, blocks [2, 5, 8, 11], DPT head features 64,
# out_channels [48, 96, 192, 384] (REFERENCE.md Sec. 6).
_base_ = './depth-anything-v2_vit-b.py'
model = dict(
    backbone=dict(arch='dinov2-s'),
    decode_head=dict(embed_dims=384, features=64, post_process_channels=[48, 96, 192, 384]))
