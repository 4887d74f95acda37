# Initialisation: Depth Anything V2 ViT-L (CC-BY-NC-4.0), the whole depth network.
# Setup: encoder and DPT decoder initialised, only the classifier fresh, fine-tune all
# (paper Fig. 1 b, for a ViT).
# The paper's KITTI recipe (Adam, cosine, 20k iterations, batch 16, flip only) with its ViT
# learning rate for the encoder, 5e-8 (REFERENCE.md Sec. 5: the DPT encoder was fine-tuned
# at 5e-8): backbone lr_mult 5e-3 of the recipe's 1e-5, which the decoder keeps. No
# layer-wise decay: the paper's ViT rate is one number for the whole encoder.
# Converted with
#   python tools/model_converters/vit_to_mmdp.py depth_anything_v2_vitl.pth \
#       pretrain/depth-anything-v2_vit-l_seg-full.pth --mode seg-full
_base_ = [
    '../_base_/models/dpt_vit-l.py', '../_base_/datasets/kitti_semantic.py',
    '../_base_/schedules/kitti_seg_adam_20k.py', '../_base_/default_runtime.py'
]
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=5e-3)}))
load_from = 'pretrain/depth-anything-v2_vit-l_seg-full.pth'
init_from = dict(converter='vit_to_mmdp', source='depth_anything_v2_vitl.pth', mode='seg-full')
