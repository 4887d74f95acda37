# Cityscapes DeepLabV3-R50-D8 initialised from depth pre-trained on random 256x256 crops
# ("Depth-cropped": the depth model never saw whole scenes), head re-initialised.
_base_ = './deeplabv3_r50-d8-depth_8xb1-60k_cityscapes-512x512.py'
load_from = 'pretrain/depthcrop_deeplabv3_r50_cityscapes_encoder.pth'
init_from = dict(
    source='work_dirs/deeplabv3-depth_r50-d8_1xb8-15k_cityscapes-crop256x256/iter_15000.pth')
