# Initialisation: self-supervised monocular depth (M) pre-trained on the synthetic world from random initialisation. Setup: encoder.
_base_ = './depthseg_r18-depth-full_1xb4-300_synthetic-320x96.py'
load_from = 'pretrain/synthetic/depth_r18_encoder.pth'
init_from = dict(mode='encoder')
