# "Depth-Rand": self-supervised monocular-video depth (M) on KITTI raw from random
# initialisation, ResNet-18.
_base_ = [
    '../_base_/models/monodepth2_r18.py',
    '../_base_/datasets/kitti_raw_depth.py',
    '../_base_/schedules/monodepth2_66k.py',
    'mmseg::_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmdepthpretrain'], allow_failed_imports=False)
