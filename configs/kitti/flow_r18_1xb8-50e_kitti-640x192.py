# Optical-flow siamese pre-training on KITTI raw (Lao et al., appendix B.3): frames t and
# t+1 at 640x192, batch 8, Adam 5e-4 for 25 epochs then 5e-5 for 25. The left/right streams
# come from the split file (Monodepth2's eigen_zhou lists each frame once with a random
# side, i.e. each stream with p 0.5). ResNet-18 encoder initialised from ImageNet (as the
# paper's "Depth"; set model.backbone.init_cfg=None for a random start). KITTI raw has no
# flow ground truth: validation reports the photometric L1 of the predicted flow
# (photo_l1) next to that of zero flow (photo_l1_zero). Only the encoder is transferred
# (init_from mode 'encoder' in the segmentation configs that load it).
_base_ = [
    '../_base_/models/flow_r18.py', '../_base_/datasets/kitti_raw_depth.py',
    '../_base_/schedules/flow_adam_50e.py', '../_base_/default_runtime.py'
]
imagenet = 'pretrain/resnet18-f37072fd.pth'
model = dict(backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=imagenet)))
train_pipeline = [  # no flip, unlike the dataset's pipeline
    dict(type='LoadMultiFrameImages', decode_size={{_base_.img_scale}}),
    dict(type='MultiFrameResize', scale={{_base_.img_scale}}, interpolation='area'),
    dict(type='PackMultiFrameInputs'),
]
val_pipeline = train_pipeline
train_dataloader = dict(batch_size=8, dataset=dict(frame_ids=[0, 1], pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1, dataset=dict(frame_ids=[0, 1], with_depth=False, pipeline=val_pipeline)
)
test_dataloader = val_dataloader
val_evaluator = dict(
    type='FlowEPEMetric', with_photometric=True, require_gt=False, frame_ids=[0, 1], _delete_=True
)
test_evaluator = val_evaluator
