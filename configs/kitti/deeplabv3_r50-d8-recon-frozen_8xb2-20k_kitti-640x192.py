# KITTI semantics, 16 labelled images, 640x192, the paper's schedule.
# Initialisation: masked-reconstruction pre-training (encoder only).
# Setup: encoder frozen (no gradient, not in the optimizer, BN in eval mode), decoder trained (paper Fig. 1 d).
_base_ = [
    '../_base_/models/deeplabv3_r50_depthenc.py', '../_base_/datasets/kitti_semantic.py',
    '../_base_/schedules/kitti_seg_adam_20k.py', 'mmseg::_base_/default_runtime.py'
]
custom_imports = dict(imports=['mmdepthpretrain'], allow_failed_imports=False)
model = dict(
    data_preprocessor=dict(mean=[114.75, 114.75, 114.75], std=[57.375, 57.375, 57.375]),
    backbone=dict(frozen_stages=4))
load_from = 'pretrain/recon_r50_kitti_encoder.pth'
load_from_hint = 'python tools/model_converters/pretrain_to_seg.py work_dirs/recon_r50_1xb8-50e_kitti-640x192/iter_248850.pth pretrain/recon_r50_kitti_encoder.pth --mode encoder'
