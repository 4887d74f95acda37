# Initialisation: released Monodepth2 weights (mono 640x192), converted.
# Setup: encoder initialised, decoder random, fine-tune all (paper Fig. 1 a / Tab. 3).
_base_ = './depthseg_r18-monodepth2-full_8xb2-20k_kitti-640x192.py'
load_from = 'pretrain/monodepth2_r18_encoder.pth'
init_from = dict(mode='seg-encoder')
