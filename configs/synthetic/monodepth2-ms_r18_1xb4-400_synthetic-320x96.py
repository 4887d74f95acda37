# CPU-sized monocular video + stereo self-supervised depth (MS) on the synthetic world.
_base_ = './monodepth2-m_r18_1xb4-400_synthetic-320x96.py'
model = dict(
    decode_head=dict(init_disp=0.01),  # metric units (see the model base)
    supervision='MS',
    frame_ids=[0, -1, 1, 's'],
)
train_dataloader = dict(dataset=dict(frame_ids=[0, -1, 1, 's']))
val_evaluator = dict(scale_mode='none')
test_evaluator = val_evaluator
