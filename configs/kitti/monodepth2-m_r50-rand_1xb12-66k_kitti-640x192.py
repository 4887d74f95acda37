# "Depth-Rand": self-supervised monocular-video depth (M) on KITTI raw from random
# initialisation, ResNet-50.
_base_ = [
    '../_base_/models/monodepth2_r50.py',
    '../_base_/datasets/kitti_raw_depth.py',
    '../_base_/schedules/monodepth2_66k.py',
    'mmseg::_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmdepthpretrain'], allow_failed_imports=False)
# Monocular video alone fixes no scale: Monodepth2's recipe, non-metric units (the depth
# head's default init, about 0.2 m, and pose scale 0.01 for the translation too).
model = dict(decode_head=dict(init_disp=None), pose_decoder=dict(translation_scale=None))
