# CPU-sized masked-reconstruction pre-training on the synthetic world in the KITTI layout
# (python tools/misc/make_synthetic_world.py --out data/synthetic --layout kitti):
# ResNet-18 from random initialisation, target frames at 320x96, batch 4, 400 iterations
# (Adam 5e-4, x0.1 after 300). Validation: L1 on the removed pixels of seeded masks.
_base_ = [
    '../_base_/models/recon_r18.py', '../_base_/datasets/synthetic_kitti_depth.py',
    '../_base_/schedules/synthetic_cpu_400.py', '../_base_/cpu_runtime.py'
]
# training: the dataset's pipeline (with the flip); validation: the same without it
val_pipeline = [
    dict(type='LoadMultiFrameImages', decode_size={{_base_.img_scale}}),
    dict(type='MultiFrameResize', scale={{_base_.img_scale}}, interpolation='area'),
    dict(type='PackMultiFrameInputs'),
]
train_dataloader = dict(dataset=dict(frame_ids=[0]))
val_dataloader = dict(dataset=dict(frame_ids=[0], with_depth=False, pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='ReconstructionMetric', _delete_=True)
test_evaluator = val_evaluator
optim_wrapper = dict(optimizer=dict(lr=5e-4))
default_hooks = dict(visualization=dict(type='ReconstructionVisualizationHook', interval=20))
