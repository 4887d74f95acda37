# Initialisation: masked-reconstruction pre-training on the synthetic world (encoder only). Setup: frozen.
_base_ = './depthseg_r18-recon-encoder_1xb4-300_synthetic-320x96.py'
model = dict(backbone=dict(frozen_stages=4))
