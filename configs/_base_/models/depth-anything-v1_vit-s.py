# Depth Anything v1 ViT-S: the v2 model of the same size (same head widths), except that
# the head takes the last four blocks, [8, 9, 10, 11] (REFERENCE.md Sec. 6).
_base_ = './depth-anything-v2_vit-s.py'
model = dict(backbone=dict(out_indices=[8, 9, 10, 11]))
