# Depth Anything v1 ViT-L: the v2 model of the same size (same head widths), except that
# the head takes the last four blocks, [20, 21, 22, 23] (REFERENCE.md Sec. 6).
_base_ = './depth-anything-v2_vit-l.py'
model = dict(backbone=dict(out_indices=[20, 21, 22, 23]))
