# KITTI semantics, 16 labelled images, 640x192, the paper's schedule.
# Initialisation: released Monodepth2 weights (mono 640x192), converted.
# Setup: encoder initialised, decoder random, fine-tune all (paper Fig. 1 a / Tab. 3).
_base_ = [
    '../_base_/models/depthseg_r50.py', '../_base_/datasets/kitti_semantic.py',
    '../_base_/schedules/kitti_seg_adam_20k.py', 'mmseg::_base_/default_runtime.py'
]
custom_imports = dict(imports=['mmdepthpretrain'], allow_failed_imports=False)
model = dict(
    data_preprocessor=dict(mean=[114.75, 114.75, 114.75], std=[57.375, 57.375, 57.375]))
load_from = 'pretrain/monodepth2_r50_encoder.pth'
load_from_hint = 'python tools/model_converters/monodepth2_to_mmdp.py path/to/mono_resnet50_640x192 pretrain/monodepth2_r50_encoder.pth --mode seg-encoder'
