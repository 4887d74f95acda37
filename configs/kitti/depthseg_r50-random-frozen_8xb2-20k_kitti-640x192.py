# KITTI semantics, 16 labelled images, 640x192, the paper's schedule.
# Initialisation: None: random initialisation (paper "None").
# Setup: encoder frozen (no gradient, not in the optimizer, BN in eval mode), decoder trained (paper Fig. 1 d).
_base_ = [
    '../_base_/models/depthseg_r50.py', '../_base_/datasets/kitti_semantic.py',
    '../_base_/schedules/kitti_seg_adam_20k.py', 'mmseg::_base_/default_runtime.py'
]
custom_imports = dict(imports=['mmdepthpretrain'], allow_failed_imports=False)
model = dict(
    data_preprocessor=dict(mean=[0.0, 0.0, 0.0], std=[255.0, 255.0, 255.0]),
    backbone=dict(frozen_stages=4))
