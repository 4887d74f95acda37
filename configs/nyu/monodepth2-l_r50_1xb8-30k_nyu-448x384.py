# Supervised depth on NYUv2 (Kinect depth, masked L1, Lao et al.): ResNet-50 encoder from
# ImageNet with the multi-scale disparity decoder, 448x384 crops, batch 8, Adam 1e-4 for 5
# epochs then 5e-5 for 5, colour jitter in [0.8, 1.2] with p 0.5; depth range 0.1-10 m.
_base_ = [
    '../_base_/models/monodepth2_r50.py', '../_base_/datasets/nyu_depth.py',
    '../_base_/schedules/depth_adam_step_30k.py', '../_base_/default_runtime.py'
]
imagenet = 'pretrain/resnet50-0676ba61.pth'
model = dict(
    data_preprocessor=dict(color_jitter=dict(hue=0.0)),  # brightness, contrast, saturation
    supervision='L',
    frame_ids=[0],
    max_depth=10.0,
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=imagenet)),
    pose_encoder=None,
    pose_decoder=None,
    smoothness_loss=None,
    depth_loss=dict(type='MaskedL1DepthLoss', max_depth=10.0),
)
