# ViT-B (768 wide, 12 blocks) in the ViT-L detector: ViTDet's ViT-B values, drop path 0.1
# and layer decay 0.7. Leaves pick the family's preset (dinov2-b or dinov3-b).
_base_ = './det_mask-rcnn_vit-l_sfpn.py'
model = dict(
    backbone=dict(arch='dinov2-b', drop_path_rate=0.1),
    neck=dict(backbone_channel=768, in_channels=[192, 384, 768, 768]))
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.7))
