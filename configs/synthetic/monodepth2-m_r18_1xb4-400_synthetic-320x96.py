# CPU-sized self-supervised monocular-video depth (M) on the synthetic world in the KITTI
# layout (python tools/misc/make_synthetic_world.py --out data/synthetic --layout kitti),
# ResNet-18 from random initialisation, 320x96, batch 4, 400 iterations.
_base_ = [
    '../_base_/models/monodepth2_r18.py',
    '../_base_/datasets/synthetic_kitti_depth.py',
    '../_base_/schedules/synthetic_cpu_400.py',
    'mmseg::_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmdepthpretrain'], allow_failed_imports=False)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
