# As linear_vit-b-da_8xb2-40k_cityscapes-896x896.py, initialised from DINOv2 (Apache-2.0); converted with
#   python tools/model_converters/vit_to_mmdp.py dinov2_vitb14_pretrain.pth \
#       pretrain/dinov2_vit-b14_backbone.pth --mode backbone
_base_ = './linear_vit-b-da_8xb2-40k_cityscapes-896x896.py'
model = dict(backbone=dict(init_cfg=dict(checkpoint='pretrain/dinov2_vit-b14_backbone.pth')))
