# DINOv2 ViT-B/14 (Apache-2.0), converted with
#   python tools/model_converters/vit_to_mmdp.py dinov2_vitb14_pretrain.pth \
#       pretrain/dinov2_vit-b14_backbone.pth --mode backbone
# (patch 14: the kernel is resampled to 16 when loaded, see the model base)
_base_ = '../det_mask-rcnn_vit-b_sfpn.py'
model = dict(backbone=dict(arch='dinov2-b', init_cfg=dict(
    type='Pretrained', checkpoint='pretrain/dinov2_vit-b14_backbone.pth',
    resample_patch_embed=True)))
