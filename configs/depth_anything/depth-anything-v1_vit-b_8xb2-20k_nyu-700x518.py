# Depth Anything v1 ViT-B (Apache-2.0), the relative depth model, on NYUv2 (10 m cap, per-image
# median scaling of the inverted output). Convert the released file, then evaluate it (or
# fine-tune it with the affine-invariant loss):
#   python tools/model_converters/vit_to_mmdp.py depth_anything_vitb14.pth \
#       pretrain/depth-anything-v1_vit-b_depth.pth --mode depth
#   python tools/test.py configs/depth_anything/depth-anything-v1_vit-b_8xb2-20k_nyu-700x518.py \
#       pretrain/depth-anything-v1_vit-b_depth.pth
_base_ = [
    '../_base_/models/depth-anything-v1_vit-b.py',
    '../_base_/datasets/nyu_depth_700x518.py',
    '../_base_/schedules/depth_anything_finetune_20k.py', '../_base_/default_runtime.py'
]
load_from = 'pretrain/depth-anything-v1_vit-b_depth.pth'
init_from = dict(converter='vit_to_mmdp', source='depth_anything_vitb14.pth', mode='depth')
