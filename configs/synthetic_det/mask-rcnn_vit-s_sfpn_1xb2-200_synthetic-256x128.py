# Mask R-CNN with a ViT-S (DINOv2 shape, patch 16, random initialisation) and the simple
# pyramid on the synthetic world's instances, sized for a CPU: 200 iterations of 2 images,
# AdamW 1e-4 with layer decay 0.7, validation (COCO box and mask mAP) at the end.
_base_ = [
    '../_base_/det_mask-rcnn_vit-s_sfpn.py', '../_base_/det_synthetic_instance.py',
    '../_base_/det_runtime.py'
]
model = dict(
    backbone=dict(img_size=256, drop_path_rate=0.0),
    rpn_head=dict(anchor_generator=dict(scales=[4])),  # small objects at 256x128
    roi_head=dict(bbox_head=dict(num_classes={{_base_.num_things}}),
                  mask_head=dict(num_classes={{_base_.num_things}})),
    test_cfg=dict(rpn=dict(nms_pre=300, max_per_img=100)))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=200, val_interval=200)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=20)]
default_hooks = dict(
    logger=dict(interval=10, log_metric_by_epoch=False),
    checkpoint=dict(by_epoch=False, interval=200))
log_processor = dict(by_epoch=False)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
