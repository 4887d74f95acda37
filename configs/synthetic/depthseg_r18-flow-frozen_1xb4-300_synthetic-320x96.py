# Synthetic-world KITTI-semantics protocol (16 labelled images, 320x96, CPU schedule).
# Initialisation: optical-flow siamese pre-training on the synthetic world (encoder only). Setup: frozen (converted with --mode encoder).
_base_ = [
    '../_base_/models/depthseg_r18.py', '../_base_/datasets/synthetic_kitti_semantic.py',
    '../_base_/schedules/synthetic_seg_cpu.py', 'mmseg::_base_/default_runtime.py'
]
custom_imports = dict(imports=['mmdepthpretrain'], allow_failed_imports=False)
train_dataloader = dict(batch_size=4)
model = dict(
    data_preprocessor=dict(mean=[114.75, 114.75, 114.75], std=[57.375, 57.375, 57.375]),
    backbone=dict(frozen_stages=4))
load_from = 'pretrain/synthetic/flow_r18_encoder.pth'
load_from_hint = ('python tools/model_converters/pretrain_to_seg.py '
                  'work_dirs/flow_r18_1xb4-400_synthetic-320x96/iter_400.pth '
                  'pretrain/synthetic/flow_r18_encoder.pth --mode encoder')
