# Depth Anything v2 ViT-B: DINOv2-B shape, blocks [2, 5, 8, 11], DPT head features 128,
# out_channels [96, 192, 384, 768] (REFERENCE.md Sec. 6).
_base_ = './depth-anything-v2_vit-l.py'
model = dict(
    backbone=dict(arch='dinov2-b', out_indices=[2, 5, 8, 11]),
    decode_head=dict(embed_dims=768, features=128, post_process_channels=[96, 192, 384, 768]))
