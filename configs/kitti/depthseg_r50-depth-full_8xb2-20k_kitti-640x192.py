# KITTI semantics, 16 labelled images, 640x192, the paper's schedule.
# Initialisation: self-supervised monocular depth (M), ImageNet-initialised (paper "Depth").
# Setup: encoder and decoder initialised, only the classifier fresh, fine-tune all (paper Fig. 1 b).
_base_ = [
    '../_base_/models/depthseg_r50.py', '../_base_/datasets/kitti_semantic.py',
    '../_base_/schedules/kitti_seg_adam_20k.py', 'mmseg::_base_/default_runtime.py'
]
custom_imports = dict(imports=['mmdepthpretrain'], allow_failed_imports=False)
model = dict(
    data_preprocessor=dict(mean=[114.75, 114.75, 114.75], std=[57.375, 57.375, 57.375]))
load_from = 'pretrain/depth-m_r50_kitti_full.pth'
load_from_hint = 'python tools/model_converters/pretrain_to_seg.py work_dirs/monodepth2-m_r50_1xb12-66k_kitti-640x192/iter_66360.pth pretrain/depth-m_r50_kitti_full.pth --mode full'
