# Optical-flow siamese pre-training baseline with a ResNet-50 encoder (see flow_r18.py).
_base_ = './flow_r18.py'
model = dict(backbone=dict(depth=50), decode_head=dict(in_channels=[128, 512, 1024, 2048, 4096]))
