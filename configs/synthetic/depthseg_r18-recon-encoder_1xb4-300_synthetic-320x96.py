# Initialisation: masked-reconstruction pre-training on the synthetic world (encoder only). Setup: encoder.
_base_ = './depthseg_r18-depth-encoder_1xb4-300_synthetic-320x96.py'
load_from = 'pretrain/synthetic/recon_r18_encoder.pth'
init_from = dict(source='work_dirs/recon_r18_1xb4-400_synthetic-320x96/iter_400.pth')
