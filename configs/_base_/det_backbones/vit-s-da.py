# Depth Anything V2 ViT-S encoder (Apache-2.0), converted with
#   python tools/model_converters/vit_to_mmdp.py depth_anything_v2_vits.pth \
#       pretrain/depth-anything-v2_vit-s_backbone.pth --mode backbone
# (patch 14: the kernel is resampled to 16 when loaded, see the model base)
_base_ = '../det_mask-rcnn_vit-s_sfpn.py'
model = dict(backbone=dict(arch='dinov2-s', init_cfg=dict(
    type='Pretrained', checkpoint='pretrain/depth-anything-v2_vit-s_backbone.pth',
    resample_patch_embed=True)))
