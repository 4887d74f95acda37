# Initialisation: Depth Anything v2 ViT-S (Apache-2.0), the whole depth network; ImageNet
# normalisation. Setup: full (only the classifier fresh). Converted with
#   python tools/model_converters/vit_to_mmdp.py depth_anything_v2_vits.pth \
#       pretrain/synthetic/depth-anything-v2_vit-s_seg-full.pth --mode seg-full
# (configs/experiments/synthetic_vit.yaml makes a randomly initialised stand-in for the
# released file, which cannot be downloaded here, and converts it.)
_base_ = [
    '../_base_/models/dpt_vit-s.py', '../_base_/datasets/synthetic_kitti_semantic.py',
    '../_base_/schedules/synthetic_vit_cpu.py', '../_base_/default_runtime.py'
]
train_dataloader = dict(batch_size=4)
load_from = 'pretrain/synthetic/depth-anything-v2_vit-s_seg-full.pth'
init_from = dict(converter='vit_to_mmdp', source='depth_anything_v2_vits.pth', mode='seg-full')
