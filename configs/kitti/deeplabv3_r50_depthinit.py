# KITTI semantics, 16 labelled images, 640x192, the paper's schedule.
# Initialisation: self-supervised monocular depth (M), ImageNet-initialised (paper "Depth").
# Setup: cross architecture: depth encoder initialises DeepLabV3-R50, decoder random, fine-tune all (paper Fig. 1 c).
_base_ = [
    './deeplabv3_r50-d8-random-cross_8xb2-20k_kitti-640x192.py',
    '../_base_/normalization/monodepth2.py',
]
model = dict(data_preprocessor={{_base_.monodepth2_normalization}})
load_from = 'pretrain/depth-m_r50_kitti_encoder.pth'
init_from = dict(converter='pretrain_to_seg', mode='encoder',
                 source='work_dirs/monodepth2-m_r50_1xb12-66k_kitti-640x192/iter_66360.pth')
