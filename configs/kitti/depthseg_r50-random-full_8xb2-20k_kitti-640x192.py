# KITTI semantics, 16 labelled images, 640x192, the paper's schedule.
# Initialisation: None: random initialisation (paper "None").
# Setup: encoder and decoder initialised, only the classifier fresh, fine-tune all (paper Fig. 1 b).
_base_ = './depthseg_r18-random-full_8xb2-20k_kitti-640x192.py'
model = dict(backbone=dict(depth=50), decode_head=dict(in_channels=(64, 256, 512, 1024, 2048)))
