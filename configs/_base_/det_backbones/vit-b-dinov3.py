# DINOv3 ViT-B/16 (LVD-1689M) (DINOv3 License), converted with
#   python tools/model_converters/vit_to_mmdp.py dinov3_vitb16_pretrain_lvd1689m.pth \
#       pretrain/dinov3_vit-b16_backbone.pth --mode backbone
_base_ = '../det_mask-rcnn_vit-b_sfpn.py'
model = dict(backbone=dict(arch='dinov3-b', init_cfg=dict(
    type='Pretrained', checkpoint='pretrain/dinov3_vit-b16_backbone.pth')))
