# ViT-S (384 wide, 12 blocks) for smaller machines: ViTDet has no ViT-S recipe; it takes
# the ViT-B values (12 blocks too): drop path 0.1, layer decay 0.7.
_base_ = './det_mask-rcnn_vit-l_sfpn.py'
model = dict(
    backbone=dict(arch='dinov2-s', drop_path_rate=0.1, with_cp=False),
    neck=dict(backbone_channel=384, in_channels=[96, 192, 384, 384]))
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.7))
