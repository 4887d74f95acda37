# DINOv3 ViT-S/16 (LVD-1689M) (DINOv3 License), converted with
#   python tools/model_converters/vit_to_mmdp.py dinov3_vits16_pretrain_lvd1689m.pth \
#       pretrain/dinov3_vit-s16_backbone.pth --mode backbone
_base_ = '../det_mask-rcnn_vit-s_sfpn.py'
model = dict(backbone=dict(arch='dinov3-s', init_cfg=dict(
    type='Pretrained', checkpoint='pretrain/dinov3_vit-s16_backbone.pth')))
