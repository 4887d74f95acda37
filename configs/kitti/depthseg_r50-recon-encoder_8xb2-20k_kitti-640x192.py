# Initialisation: masked-reconstruction pre-training (encoder only).
# Setup: encoder initialised, decoder random, fine-tune all (paper Fig. 1 a / Tab. 3).
_base_ = './depthseg_r18-recon-encoder_8xb2-20k_kitti-640x192.py'
model = dict(backbone=dict(depth=50), decode_head=dict(in_channels=(64, 256, 512, 1024, 2048)))
load_from = 'pretrain/recon_r50_kitti_encoder.pth'
init_from = dict(source='work_dirs/recon_r50_1xb8-50e_kitti-640x192/iter_248850.pth')
