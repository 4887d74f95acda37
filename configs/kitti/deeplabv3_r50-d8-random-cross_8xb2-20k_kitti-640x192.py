# KITTI semantics, 16 labelled images, 640x192, the paper's schedule.
# Initialisation: None: random initialisation (paper "None").
# Setup: cross architecture: encoder initialises DeepLabV3-R50, decoder random, fine-tune all (paper Fig. 1 c).
_base_ = [
    '../_base_/models/deeplabv3_r50_depthenc.py', '../_base_/datasets/kitti_semantic.py',
    '../_base_/schedules/kitti_seg_adam_20k.py', '../_base_/default_runtime.py'
]
