# KITTI raw for self-supervised monocular depth (Monodepth2 recipe): 640x192, target 0
# with temporal sources -1 and +1, horizontal flip p 0.5; colour jitter runs on the
# device in the model's data preprocessor. For mono+stereo set
# train_dataloader.dataset.frame_ids=[0, -1, 1, 's'], for stereo only [0, 's'].
# Splits in Monodepth2's format (<date>/<drive> <frame> <l|r>) under data/kitti_raw/splits:
# eigen_zhou/{train,val}_files.txt, eigen/test_files.txt (or make your own with
# tools/misc/make_kitti_split.py). Validation and test use velodyne depth projected at the
# original resolution, the Garg crop, an 80 m cap and per-image median scaling.
dataset_type = 'KittiRawDepthDataset'
data_root = 'data/kitti_raw'
img_scale = (640, 192)  # (width, height)
train_pipeline = [
    dict(type='LoadMultiFrameImages', decode_size=img_scale),
    dict(type='MultiFrameResize', scale=img_scale, interpolation='area'),
    dict(type='MultiFrameRandomFlip', prob=0.5),
    dict(type='PackMultiFrameInputs'),
]
test_pipeline = [
    dict(type='LoadMultiFrameImages', decode_size=img_scale),
    dict(type='LoadDepthFromLidar', at='original'),
    dict(type='MultiFrameResize', scale=img_scale, interpolation='area', resize_depth=False),
    dict(type='PackMultiFrameInputs'),
]
train_dataloader = dict(
    batch_size=12,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='splits/eigen_zhou/train_files.txt',
        frame_ids=[0, -1, 1],
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
        ann_file='splits/eigen_zhou/val_files.txt',
        frame_ids=[0],
        with_depth=True,
        test_mode=True,
        pipeline=test_pipeline,
    ),
)
# testing: as validation, on Eigen's test split
test_dataloader = dict(
    val_dataloader, dataset=dict(val_dataloader['dataset'], ann_file='splits/eigen/test_files.txt')
)
val_evaluator = dict(
    type='MonoDepthMetric', crop='garg', min_depth=1e-3, max_depth=80.0, scale_mode='median'
)
test_evaluator = val_evaluator
