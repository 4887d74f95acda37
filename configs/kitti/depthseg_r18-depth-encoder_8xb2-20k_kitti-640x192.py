# Initialisation: self-supervised monocular depth (M), ImageNet-initialised (paper "Depth").
# Setup: encoder initialised, decoder random, fine-tune all (paper Fig. 1 a / Tab. 3).
_base_ = './depthseg_r18-depth-full_8xb2-20k_kitti-640x192.py'
load_from = 'pretrain/depth-m_r18_kitti_encoder.pth'
init_from = dict(mode='encoder')
