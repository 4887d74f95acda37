# Initialisation: Depth Anything v2 ViT-S (Apache-2.0), encoder only. Setup: encoder (DPT
# decoder random). Converted with
#   python tools/model_converters/vit_to_mmdp.py depth_anything_v2_vits.pth \
#       pretrain/synthetic/depth-anything-v2_vit-s_backbone.pth --mode backbone
_base_ = './dpt_vit-s-da-full_1xb4-300_synthetic-320x96.py'
load_from = 'pretrain/synthetic/depth-anything-v2_vit-s_backbone.pth'
init_from = dict(mode='backbone')
