# Self-supervised depth from monocular video and stereo (MS) on KITTI raw, ResNet-50
# from ImageNet; metric scale from the stereo baseline (no median scaling).
_base_ = [
    '../_base_/models/monodepth2_r50.py',
    '../_base_/datasets/kitti_raw_depth.py',
    '../_base_/schedules/monodepth2_66k.py',
    'mmseg::_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmdepthpretrain'], allow_failed_imports=False)
imagenet = 'pretrain/resnet50-0676ba61.pth'
model = dict(
    supervision='MS',
    frame_ids=[0, -1, 1, 's'],
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=imagenet)),
    pose_encoder=dict(init_cfg=dict(type='Pretrained', checkpoint=imagenet)),
)
train_dataloader = dict(dataset=dict(frame_ids=[0, -1, 1, 's']))
val_evaluator = dict(scale_mode='none')
test_evaluator = val_evaluator
