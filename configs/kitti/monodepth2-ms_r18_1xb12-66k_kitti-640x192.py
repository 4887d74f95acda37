# Self-supervised depth from monocular video and stereo (MS) on KITTI raw, ResNet-18
# from ImageNet; metric scale from the stereo baseline (no median scaling).
_base_ = './monodepth2-m_r18_1xb12-66k_kitti-640x192.py'
model = dict(
    supervision='MS',
    frame_ids=[0, -1, 1, 's'],
    decode_head=dict(init_disp=0.01),  # metric units (see the model base)
    pose_decoder=dict(translation_scale=0.1),
)
train_dataloader = dict(dataset=dict(frame_ids=[0, -1, 1, 's']))
val_evaluator = dict(scale_mode='none')
test_evaluator = val_evaluator
