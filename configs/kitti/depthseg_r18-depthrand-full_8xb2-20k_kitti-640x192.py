# Initialisation: self-supervised monocular depth (M) from random initialisation (paper "Depth-Rand").
# Setup: encoder and decoder initialised, only the classifier fresh, fine-tune all (paper Fig. 1 b).
_base_ = './depthseg_r18-depth-full_8xb2-20k_kitti-640x192.py'
load_from = 'pretrain/depthrand-m_r18_kitti_full.pth'
init_from = dict(source='work_dirs/monodepth2-m_r18-rand_1xb12-66k_kitti-640x192/iter_66360.pth')
