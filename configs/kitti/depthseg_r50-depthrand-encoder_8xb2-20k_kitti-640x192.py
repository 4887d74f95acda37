# Initialisation: self-supervised monocular depth (M) from random initialisation (paper "Depth-Rand").
# Setup: encoder initialised, decoder random, fine-tune all (paper Fig. 1 a / Tab. 3).
_base_ = './depthseg_r18-depthrand-encoder_8xb2-20k_kitti-640x192.py'
model = dict(backbone=dict(depth=50), decode_head=dict(in_channels=(64, 256, 512, 1024, 2048)))
load_from = 'pretrain/depthrand-m_r50_kitti_encoder.pth'
init_from = dict(source='work_dirs/monodepth2-m_r50-rand_1xb12-66k_kitti-640x192/iter_66360.pth')
