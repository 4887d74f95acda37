# Synthetic-world KITTI-semantics protocol (16 labelled images, 320x96, CPU schedule).
# Initialisation: none (random). Setup: full.
_base_ = [
    '../_base_/models/depthseg_r18.py', '../_base_/datasets/synthetic_kitti_semantic.py',
    '../_base_/schedules/synthetic_seg_cpu.py', '../_base_/default_runtime.py'
]
train_dataloader = dict(batch_size=4)
