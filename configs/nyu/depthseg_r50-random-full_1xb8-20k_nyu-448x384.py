# NYUv2 segmentation with the depth network (ResNet-50 encoder) from random initialisation.
_base_ = './depthseg_r18-random-full_1xb8-20k_nyu-448x384.py'
model = dict(backbone=dict(depth=50), decode_head=dict(in_channels=(64, 256, 512, 1024, 2048)))
