# Initialisation: self-supervised monocular depth (M), ImageNet-initialised (paper "Depth").
# Setup: encoder and decoder initialised, only the classifier fresh, fine-tune all (paper Fig. 1 b).
_base_ = './depthseg_r18-depth-full_8xb2-20k_kitti-640x192.py'
model = dict(backbone=dict(depth=50), decode_head=dict(in_channels=(64, 256, 512, 1024, 2048)))
load_from = 'pretrain/depth-m_r50_kitti_full.pth'
init_from = dict(source='work_dirs/monodepth2-m_r50_1xb12-66k_kitti-640x192/iter_66360.pth')
