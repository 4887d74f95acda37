# KITTI-semantics protocol on the synthetic world (data_semantics/ inside the KITTI-layout
# root written by tools/misc/make_synthetic_world.py --layout kitti): 16 labelled images,
# the rest for testing, CPU sized 320x96, flip only.
_base_ = './kitti_semantic.py'
data_root = 'data/synthetic'
img_scale = (320, 96)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='Resize', scale=img_scale, keep_ratio=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='Resize', scale=img_scale, keep_ratio=False),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(num_workers=1, dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(num_workers=1, dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
