# KITTI semantics (data_semantics/training): 16 labelled images for training, the other
# 184 for testing (paper protocol), 640x192, horizontal flip only, 19 Cityscapes train ids,
# 255 ignored. Test labels are resized to 640x192 with nearest neighbour as in the paper
# (LoadAnnotations before Resize; KittiSegMetric resizes predictions to the label size);
# move LoadAnnotations after Resize for mmseg's original-resolution protocol.
# Other label budgets: train_dataloader.dataset.num_labelled=32/64/128 with
# subset_mode='random' and a seed, or subset_mode='list' with subset_file.
dataset_type = 'KittiSemanticDataset'
data_root = 'data/kitti_semantics'
img_scale = (640, 192)  # (width, height)
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
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        num_labelled=16,
        subset_mode='first',
        pipeline=train_pipeline,
    ),
)
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        num_labelled=16,
        subset_mode='first',
        pipeline=test_pipeline,
    ),
)
test_dataloader = val_dataloader
val_evaluator = dict(type='KittiSegMetric')
test_evaluator = val_evaluator
