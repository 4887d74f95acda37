# Synthetic-world KITTI-semantics protocol (16 labelled images, 320x96, CPU schedule).
# Initialisation: self-supervised monocular depth (M) pre-trained on the synthetic world from random initialisation. Setup: full (converted with --mode full).
_base_ = [
    '../_base_/models/depthseg_r18.py', '../_base_/datasets/synthetic_kitti_semantic.py',
    '../_base_/schedules/synthetic_seg_cpu.py', 'mmseg::_base_/default_runtime.py'
]
custom_imports = dict(imports=['mmdepthpretrain'], allow_failed_imports=False)
train_dataloader = dict(batch_size=4)
model = dict(
    data_preprocessor=dict(mean=[114.75, 114.75, 114.75], std=[57.375, 57.375, 57.375]))
load_from = 'pretrain/synthetic/depth_r18_full.pth'
load_from_hint = ('python tools/model_converters/pretrain_to_seg.py '
                  'work_dirs/monodepth2-m_r18_1xb4-400_synthetic-320x96/iter_400.pth '
                  'pretrain/synthetic/depth_r18_full.pth --mode full')
