# NYUv2 semantic segmentation (40 classes) with the depth network (ResNet-18 encoder + depth
# decoder + classifier) from random initialisation; the paper's NYU protocol: Adam 1e-5,
# cosine per iteration, 20k iterations, 448x384, flip only.
_base_ = [
    '../_base_/models/depthseg_r18.py', '../_base_/datasets/nyu_semantic.py',
    '../_base_/schedules/kitti_seg_adam_20k.py', '../_base_/default_runtime.py'
]
model = dict(decode_head=dict(num_classes=40))
default_hooks = dict(checkpoint=dict(save_best='mIoU'))
