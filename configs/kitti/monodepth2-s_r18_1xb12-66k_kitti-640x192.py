# Self-supervised depth from stereo pairs (S) on KITTI raw, ResNet-18 from ImageNet. The
# stereo baseline is metric, so predictions are evaluated without median scaling.
_base_ = [
    '../_base_/models/monodepth2_r18.py',
    '../_base_/datasets/kitti_raw_depth.py',
    '../_base_/schedules/monodepth2_66k.py',
    'mmseg::_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmdepthpretrain'], allow_failed_imports=False)
imagenet = 'pretrain/resnet18-f37072fd.pth'
model = dict(
    supervision='S',
    frame_ids=[0, 's'],
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=imagenet)),
    pose_encoder=None,
    pose_decoder=None,
)
train_dataloader = dict(dataset=dict(frame_ids=[0, 's']))
val_evaluator = dict(scale_mode='none')
test_evaluator = val_evaluator
