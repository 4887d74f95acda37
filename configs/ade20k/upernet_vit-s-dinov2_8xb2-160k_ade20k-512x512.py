# As upernet_vit-s-da_8xb2-160k_ade20k-512x512.py, initialised from DINOv2 (Apache-2.0); converted with
#   python tools/model_converters/vit_to_mmdp.py dinov2_vits14_pretrain.pth \
#       pretrain/dinov2_vit-s14_backbone.pth --mode backbone
_base_ = './upernet_vit-s-da_8xb2-160k_ade20k-512x512.py'
model = dict(backbone=dict(init_cfg=dict(checkpoint='pretrain/dinov2_vit-s14_backbone.pth')))
