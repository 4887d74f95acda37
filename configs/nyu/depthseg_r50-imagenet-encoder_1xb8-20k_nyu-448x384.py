# NYUv2 segmentation, ResNet-50 encoder from ImageNet (torchvision weights), decoder random.
_base_ = './depthseg_r18-imagenet-encoder_1xb8-20k_nyu-448x384.py'
model = dict(backbone=dict(depth=50), decode_head=dict(in_channels=(64, 256, 512, 1024, 2048)))
load_from = 'pretrain/imagenet_r50_encoder.pth'
init_from = dict(source='pretrain/resnet50-0676ba61.pth')
