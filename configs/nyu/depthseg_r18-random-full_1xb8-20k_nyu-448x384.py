# NYUv2 semantic segmentation (40 classes) with the depth network (ResNet-18 encoder + depth
# decoder + classifier) from random initialisation; the paper's NYU protocol.
_base_ = './depthseg_r50-random-full_1xb8-20k_nyu-448x384.py'
model = dict(
    backbone=dict(depth=18),
    decode_head=dict(in_channels=(64, 64, 128, 256, 512)))
