# Initialisation: self-supervised monocular depth (M) pre-trained on the synthetic world from random initialisation. Setup: frozen.
_base_ = './depthseg_r18-depth-full_1xb4-300_synthetic-320x96.py'
model = dict(backbone=dict(frozen_stages=4))
