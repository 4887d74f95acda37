# As linear_vit-b-da_8xb2-40k_ade20k-512x512.py, initialised from DINOv3 (DINOv3 License;
# patch 16, RoPE, register tokens, so inputs are padded to a multiple of 16); converted with
#   python tools/model_converters/vit_to_mmdp.py dinov3_vitb16_pretrain_lvd1689m.pth \
#       pretrain/dinov3_vit-b16_backbone.pth --mode backbone
_base_ = './linear_vit-b-da_8xb2-40k_ade20k-512x512.py'
model = dict(
    data_preprocessor=dict(size_divisor=16, test_cfg=dict(size_divisor=16)),
    backbone=dict(arch='dinov3-b',
                  init_cfg=dict(checkpoint='pretrain/dinov3_vit-b16_backbone.pth')))
