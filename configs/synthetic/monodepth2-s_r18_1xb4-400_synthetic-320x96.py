# CPU-sized stereo self-supervised depth (S) on the synthetic KITTI-layout world.
_base_ = './monodepth2-m_r18_1xb4-400_synthetic-320x96.py'
custom_imports = dict(imports=['mmdepthpretrain'], allow_failed_imports=False)
model = dict(
    decode_head=dict(init_disp=0.01),  # metric units (see the model base)
    supervision='S',
    frame_ids=[0, 's'],
    pose_encoder=None,
    pose_decoder=None,
)
train_dataloader = dict(dataset=dict(frame_ids=[0, 's']))
val_evaluator = dict(scale_mode='none')
test_evaluator = val_evaluator
