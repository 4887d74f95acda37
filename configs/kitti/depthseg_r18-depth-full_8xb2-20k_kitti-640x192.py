# Initialisation: self-supervised monocular depth (M), ImageNet-initialised (paper "Depth").
# Setup: encoder and decoder initialised, only the classifier fresh, fine-tune all (paper Fig. 1 b).
_base_ = [
    './depthseg_r18-random-full_8xb2-20k_kitti-640x192.py', '../_base_/normalization/monodepth2.py'
]
model = dict(data_preprocessor={{_base_.monodepth2_normalization}})
load_from = 'pretrain/depth-m_r18_kitti_full.pth'
init_from = dict(converter='pretrain_to_seg', mode='full',
                 source='work_dirs/monodepth2-m_r18_1xb12-66k_kitti-640x192/iter_66360.pth')
