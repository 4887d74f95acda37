# Depth supervised by projected velodyne points (L, masked L1, Lao et al. eq. 14) on KITTI
# raw, ResNet-18 from ImageNet, Monodepth2's decoder and schedule.
_base_ = [
    '../_base_/models/monodepth2_r18.py', '../_base_/datasets/kitti_raw_lidar.py',
    '../_base_/schedules/monodepth2_66k.py', '../_base_/default_runtime.py'
]
imagenet = 'pretrain/resnet18-f37072fd.pth'
model = dict(
    supervision='L',
    frame_ids=[0],
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=imagenet)),
    pose_encoder=None,
    pose_decoder=None,
    smoothness_loss=None,
    depth_loss=dict(type='MaskedL1DepthLoss', max_depth=80.0),
)
val_evaluator = dict(scale_mode='none')
test_evaluator = val_evaluator
