# Initialisation: masked-reconstruction pre-training (encoder only).
# Setup: encoder initialised, decoder random, fine-tune all (paper Fig. 1 a / Tab. 3).
_base_ = './depthseg_r18-depth-encoder_8xb2-20k_kitti-640x192.py'
load_from = 'pretrain/recon_r18_kitti_encoder.pth'
init_from = dict(source='work_dirs/recon_r18_1xb8-50e_kitti-640x192/iter_248850.pth')
