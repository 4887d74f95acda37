# KITTI semantics, 16 labelled images, 640x192, the paper's schedule.
# Initialisation: None: random initialisation (paper "None").
# Setup: encoder and decoder initialised, only the classifier fresh, fine-tune all (paper Fig. 1 b).
_base_ = [
    '../_base_/models/depthseg_r18.py', '../_base_/datasets/kitti_semantic.py',
    '../_base_/schedules/kitti_seg_adam_20k.py', '../_base_/default_runtime.py'
]
