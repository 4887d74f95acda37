# Cityscapes DeepLabV3-R50-D8 initialised from depth: the encoder of a DeepLabV3-R50 trained
# on Cityscapes disparity depth (configs/cityscapes/deeplabv3-depth_r50-d8_1xb8-15k_...),
# head re-initialised; ImageNet normalisation as in that depth model; learning rate 0.1
# (the paper's best for depth initialisation).
_base_ = [
    './deeplabv3_r50-d8-random_8xb1-60k_cityscapes-512x512.py',
    '../_base_/normalization/imagenet.py',
]
model = dict(data_preprocessor={{_base_.imagenet_normalization}})
optim_wrapper = dict(optimizer=dict(lr=0.1))
load_from = 'pretrain/depth_deeplabv3_r50_cityscapes_encoder.pth'
init_from = dict(
    converter='pretrain_to_seg',
    source='work_dirs/deeplabv3-depth_r50-d8_1xb8-15k_cityscapes-512x1024/iter_15000.pth',
    mode='encoder')
