# NYUv2 supervised depth (Kinect depth, L1 on valid pixels): mmseg's NYU layout
# (images/{train,test}/*.jpg, annotations/{train,test}/*.png in millimetres), resized to
# 512x384 and randomly cropped to 448x384, flip p 0.5. The BTS-style pair lists
# (nyudepthv2_train_files_with_gt.txt) work too: ann_file=..., list_prefix='sync'.
dataset_type = 'NYUDepthDataset'
data_root = 'data/nyu'
img_scale = (512, 384)  # (width, height)
train_pipeline = [
    dict(type='LoadMultiFrameImages'),
    dict(type='LoadDepthMap'),
    dict(type='MultiFrameResize', scale=img_scale, interpolation='area'),
    dict(type='MultiFrameRandomCrop', crop_size=(384, 448)),
    dict(type='MultiFrameRandomFlip', prob=0.5),
    dict(type='PackMultiFrameInputs'),
]
test_pipeline = [
    dict(type='LoadMultiFrameImages'),
    dict(type='LoadDepthMap'),
    dict(type='MultiFrameResize', scale=img_scale, interpolation='area', resize_depth=False),
    dict(type='PackMultiFrameInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='images/train', depth_map_path='annotations/train'),
        depth_scale=1000.0,
        pipeline=train_pipeline,
    ),
)
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='images/test', depth_map_path='annotations/test'),
        depth_scale=1000.0,
        test_mode=True,
        pipeline=test_pipeline,
    ),
)
test_dataloader = val_dataloader
val_evaluator = dict(
    type='MonoDepthMetric', crop=None, min_depth=1e-3, max_depth=10.0, scale_mode='none'
)
test_evaluator = val_evaluator
