# Initialisation: Depth Anything V2 ViT-L (CC-BY-NC-4.0), encoder only.
# Setup: encoder initialised, DPT decoder random, fine-tune all (paper Tab. 3), the encoder
# at the paper's ViT learning rate 5e-8 (see the -full sibling). Converted with
#   python tools/model_converters/vit_to_mmdp.py depth_anything_v2_vitl.pth \
#       pretrain/depth-anything-v2_vit-l_backbone.pth --mode backbone
_base_ = './dpt_vit-l-da-full_8xb2-20k_kitti-640x192.py'
load_from = 'pretrain/depth-anything-v2_vit-l_backbone.pth'
init_from = dict(mode='backbone')
