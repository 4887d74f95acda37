# Initialisation: ImageNet classification (torchvision weights, encoder only).
# Setup: encoder initialised, decoder random, fine-tune all (paper Fig. 1 a / Tab. 3).
_base_ = './depthseg_r18-imagenet-encoder_8xb2-20k_kitti-640x192.py'
model = dict(backbone=dict(depth=50), decode_head=dict(in_channels=(64, 256, 512, 1024, 2048)))
load_from = 'pretrain/imagenet_r50_encoder.pth'
init_from = dict(source='pretrain/resnet50-0676ba61.pth')
