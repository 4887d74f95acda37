# Depth Anything v2 ViT-S (Apache-2.0) on the synthetic world (KITTI layout and its lidar,
# 322x98, median-scaled), CPU sized: 300 iterations of 4 images when fine-tuned. Convert the
# released file, then evaluate it:
#   python tools/model_converters/vit_to_mmdp.py depth_anything_v2_vits.pth \
#       pretrain/depth-anything-v2_vit-s_depth.pth --mode depth
#   python tools/test.py configs/depth_anything/depth-anything-v2_vit-s_1xb4-300_synthetic-322x98.py \
#       pretrain/depth-anything-v2_vit-s_depth.pth
_base_ = [
    '../_base_/models/depth-anything-v2_vit-s.py',
    '../_base_/datasets/synthetic_kitti_lidar_322x98.py',
    '../_base_/schedules/depth_anything_finetune_20k.py', '../_base_/cpu_runtime.py'
]
param_scheduler = [dict(type='PolyLR', power=0.9, eta_min=0.0, by_epoch=False, begin=0, end=300)]
train_cfg = dict(max_iters=300, val_interval=100)
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=100))
load_from = 'pretrain/depth-anything-v2_vit-s_depth.pth'
init_from = dict(converter='vit_to_mmdp', source='depth_anything_v2_vits.pth', mode='depth')
