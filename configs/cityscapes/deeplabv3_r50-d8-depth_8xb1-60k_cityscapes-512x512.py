# Cityscapes DeepLabV3-R50-D8 initialised from depth: the encoder of a DeepLabV3-R50 trained
# on Cityscapes disparity depth (configs/cityscapes/deeplabv3-depth_r50-d8_1xb8-15k_...),
# head re-initialised; ImageNet normalisation as in that depth model; learning rate 0.1
# (the paper's best for depth initialisation).
_base_ = './deeplabv3_r50-d8-random_8xb1-60k_cityscapes-512x512.py'
model = dict(data_preprocessor=dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]))
optim_wrapper = dict(optimizer=dict(lr=0.1))
load_from = 'pretrain/depth_deeplabv3_r50_cityscapes_encoder.pth'
load_from_hint = (
    'python tools/model_converters/pretrain_to_seg.py work_dirs/deeplabv3-depth_'
    'r50-d8_1xb8-15k_cityscapes-512x1024/iter_15000.pth '
    'pretrain/depth_deeplabv3_r50_cityscapes_encoder.pth --mode encoder'
)
