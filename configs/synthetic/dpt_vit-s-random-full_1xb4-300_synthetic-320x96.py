# Synthetic-world KITTI-semantics protocol (16 labelled images, 320x96 padded to 322x98 for
# the patch 14, CPU schedule) with a ViT-S and Depth Anything v2 ViT-S's DPT decoder.
# Initialisation: none (random; inputs in [0, 1]). Setup: full.
_base_ = [
    '../_base_/models/dpt_vit-s.py', '../_base_/datasets/synthetic_kitti_semantic.py',
    '../_base_/schedules/synthetic_vit_cpu.py', '../_base_/default_runtime.py',
    '../_base_/normalization/unit.py'
]
model = dict(data_preprocessor={{_base_.unit_normalization}})
train_dataloader = dict(batch_size=4)
