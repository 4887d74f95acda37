# Masked-reconstruction (inpainting) pre-training on KITTI raw target frames at 640x192:
# 1-3 random rectangles removed (black), L1 on the removed pixels. The paper gives no
# schedule for this baseline; it uses the flow baseline's (batch 8, Adam 5e-4 for 25 epochs
# then 5e-5 for 25), horizontal flip p 0.5 and Monodepth2's colour jitter. ResNet-18 encoder
# initialised from ImageNet (set model.backbone.init_cfg=None for a random start).
# Validation: L1 on the removed pixels of seeded masks. Only the encoder is transferred
# (init_from mode 'encoder' in the segmentation configs that load it).
_base_ = [
    '../_base_/models/recon_r18.py', '../_base_/datasets/kitti_raw_depth.py',
    '../_base_/schedules/flow_adam_50e.py', '../_base_/default_runtime.py'
]
imagenet = 'pretrain/resnet18-f37072fd.pth'
model = dict(backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=imagenet)))
# training: the dataset's pipeline (with the flip); validation: the same without it
val_pipeline = [
    dict(type='LoadMultiFrameImages', decode_size={{_base_.img_scale}}),
    dict(type='MultiFrameResize', scale={{_base_.img_scale}}, interpolation='area'),
    dict(type='PackMultiFrameInputs'),
]
train_dataloader = dict(batch_size=8, dataset=dict(frame_ids=[0]))
val_dataloader = dict(
    batch_size=1, dataset=dict(frame_ids=[0], with_depth=False, pipeline=val_pipeline)
)
test_dataloader = val_dataloader
val_evaluator = dict(type='ReconstructionMetric', _delete_=True)
test_evaluator = val_evaluator
default_hooks = dict(visualization=dict(type='ReconstructionVisualizationHook', interval=200))
