# KITTI semantics, 16 labelled images, 640x192, the paper's schedule.
# Initialisation: optical-flow siamese pre-training (encoder only, paper "Optical Flow").
# Setup: encoder initialised, decoder random, fine-tune all (paper Fig. 1 a / Tab. 3).
_base_ = [
    '../_base_/models/depthseg_r50.py', '../_base_/datasets/kitti_semantic.py',
    '../_base_/schedules/kitti_seg_adam_20k.py', 'mmseg::_base_/default_runtime.py'
]
custom_imports = dict(imports=['mmdepthpretrain'], allow_failed_imports=False)
model = dict(
    data_preprocessor=dict(mean=[114.75, 114.75, 114.75], std=[57.375, 57.375, 57.375]))
load_from = 'pretrain/flow_r50_kitti_encoder.pth'
load_from_hint = 'python tools/model_converters/pretrain_to_seg.py work_dirs/flow_r50_1xb8-50e_kitti-640x192/iter_248850.pth pretrain/flow_r50_kitti_encoder.pth --mode encoder'
