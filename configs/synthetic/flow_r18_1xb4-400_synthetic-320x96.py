# CPU-sized optical-flow siamese pre-training on the synthetic world in the KITTI layout
# (python tools/misc/make_synthetic_world.py --out data/synthetic --layout kitti):
# ResNet-18 from random initialisation, frames t and t+1 at 320x96, batch 4, 400
# iterations (Adam 5e-4, x0.1 after 300). Validation on the held-out drive measures the
# end-point error against the world's ground-truth flow (ground_truth/<drive>/flow).
_base_ = [
    '../_base_/models/flow_r18.py', '../_base_/datasets/synthetic_kitti_depth.py',
    '../_base_/schedules/synthetic_cpu_400.py', '../_base_/cpu_runtime.py'
]
train_pipeline = [  # no flip, unlike the dataset's pipeline
    dict(type='LoadMultiFrameImages', decode_size={{_base_.img_scale}}),
    dict(type='MultiFrameResize', scale={{_base_.img_scale}}, interpolation='area'),
    dict(type='PackMultiFrameInputs'),
]
val_pipeline = [
    dict(type='LoadMultiFrameImages', decode_size={{_base_.img_scale}}),
    dict(type='LoadFlowAnnotation'),
    dict(type='MultiFrameResize', scale={{_base_.img_scale}}, interpolation='area'),
    dict(type='PackMultiFrameFlowInputs'),
]
train_dataloader = dict(dataset=dict(frame_ids=[0, 1], pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(frame_ids=[0, 1], with_depth=False, pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='FlowEPEMetric', with_photometric=True, frame_ids=[0, 1], _delete_=True)
test_evaluator = val_evaluator
optim_wrapper = dict(optimizer=dict(lr=5e-4))
default_hooks = dict(visualization=dict(type='FlowVisualizationHook', interval=20))
