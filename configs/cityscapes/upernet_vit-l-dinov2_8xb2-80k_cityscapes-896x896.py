# As upernet_vit-l-da_8xb2-80k_cityscapes-896x896.py, initialised from DINOv2 (Apache-2.0); converted with
#   python tools/model_converters/vit_to_mmdp.py dinov2_vitl14_pretrain.pth \
#       pretrain/dinov2_vit-l14_backbone.pth --mode backbone
_base_ = './upernet_vit-l-da_8xb2-80k_cityscapes-896x896.py'
model = dict(backbone=dict(init_cfg=dict(checkpoint='pretrain/dinov2_vit-l14_backbone.pth')))
