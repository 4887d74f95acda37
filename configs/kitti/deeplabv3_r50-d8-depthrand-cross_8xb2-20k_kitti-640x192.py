# Initialisation: self-supervised monocular depth (M) from random initialisation (paper "Depth-Rand").
# Setup: cross architecture: encoder initialises DeepLabV3-R50, decoder random, fine-tune all (paper Fig. 1 c).
_base_ = './deeplabv3_r50_depthinit.py'
load_from = 'pretrain/depthrand-m_r50_kitti_encoder.pth'
init_from = dict(source='work_dirs/monodepth2-m_r50-rand_1xb12-66k_kitti-640x192/iter_66360.pth')
