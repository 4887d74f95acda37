# DINOv2 ViT-S/14 (Apache-2.0), converted with
#   python tools/model_converters/vit_to_mmdp.py dinov2_vits14_pretrain.pth \
#       pretrain/dinov2_vit-s14_backbone.pth --mode backbone
# (patch 14: the kernel is resampled to 16 when loaded, see the model base)
_base_ = '../det_mask-rcnn_vit-s_sfpn.py'
model = dict(backbone=dict(arch='dinov2-s', init_cfg=dict(
    type='Pretrained', checkpoint='pretrain/dinov2_vit-s14_backbone.pth',
    resample_patch_embed=True)))
