# The depth network with a ResNet-50 encoder and a segmentation classifier (Fig. 1 b).
_base_ = ['./depthseg_r18.py']
model = dict(backbone=dict(depth=50), decode_head=dict(in_channels=(64, 256, 512, 1024, 2048)))
