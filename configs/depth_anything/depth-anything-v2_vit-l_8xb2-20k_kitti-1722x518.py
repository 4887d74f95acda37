# Depth Anything v2 ViT-L (CC-BY-NC-4.0), the relative depth model, on KITTI (Eigen split, Garg
# crop, 80 m cap, per-image median scaling of the inverted output). Convert the released file,
# then evaluate it (or fine-tune it with the affine-invariant loss):
#   python tools/model_converters/vit_to_mmdp.py depth_anything_v2_vitl.pth \
#       pretrain/depth-anything-v2_vit-l_depth.pth --mode depth
#   python tools/test.py configs/depth_anything/depth-anything-v2_vit-l_8xb2-20k_kitti-1722x518.py \
#       pretrain/depth-anything-v2_vit-l_depth.pth
_base_ = [
    '../_base_/models/depth-anything-v2_vit-l.py',
    '../_base_/datasets/kitti_raw_lidar_1722x518.py',
    '../_base_/schedules/depth_anything_finetune_20k.py', '../_base_/default_runtime.py'
]
load_from = 'pretrain/depth-anything-v2_vit-l_depth.pth'
init_from = dict(converter='vit_to_mmdp', source='depth_anything_v2_vitl.pth', mode='depth')
