# CPU-sized supervised depth on the synthetic indoor world in the NYU layout
# (python tools/misc/make_synthetic_world.py --out data/synthetic_nyu --layout nyu).
_base_ = [
    '../_base_/models/monodepth2_r18.py', '../_base_/datasets/synthetic_nyu_depth.py',
    '../_base_/schedules/synthetic_cpu_400.py', '../_base_/cpu_runtime.py'
]
model = dict(
    supervision='L',
    frame_ids=[0],
    max_depth=10.0,
    pose_encoder=None,
    pose_decoder=None,
    smoothness_loss=None,
    depth_loss=dict(type='MaskedL1DepthLoss', max_depth=10.0),
)
