# Synthetic-world KITTI-semantics protocol (16 labelled images, 320x96, CPU schedule).
# Initialisation: none (random). Setup: frozen.
_base_ = [
    '../_base_/models/depthseg_r18.py', '../_base_/datasets/synthetic_kitti_semantic.py',
    '../_base_/schedules/synthetic_seg_cpu.py', 'mmseg::_base_/default_runtime.py'
]
custom_imports = dict(imports=['mmdepthpretrain'], allow_failed_imports=False)
train_dataloader = dict(batch_size=4)
model = dict(
    data_preprocessor=dict(mean=[0.0, 0.0, 0.0], std=[255.0, 255.0, 255.0]),
    backbone=dict(frozen_stages=4))
