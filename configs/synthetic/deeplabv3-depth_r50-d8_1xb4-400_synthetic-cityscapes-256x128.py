# CPU-sized DeepLabV3-R50 disparity-depth pre-training on the synthetic world in the
# Cityscapes layout (python tools/misc/make_synthetic_world.py --out
# data/synthetic_cityscapes --layout cityscapes); plain BN for one process.
_base_ = [
    '../_base_/models/deeplabv3_r50-d8_depth.py',
    '../_base_/datasets/synthetic_cityscapes_depth.py',
    '../_base_/schedules/synthetic_cpu_400.py', '../_base_/cpu_runtime.py'
]
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(backbone=dict(norm_cfg=norm_cfg), decode_head=dict(norm_cfg=norm_cfg))
