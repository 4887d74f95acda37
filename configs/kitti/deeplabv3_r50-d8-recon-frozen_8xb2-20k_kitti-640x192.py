# Initialisation: masked-reconstruction pre-training (encoder only).
# Setup: encoder frozen (no gradient, not in the optimizer, BN in eval mode), decoder trained (paper Fig. 1 d).
_base_ = './deeplabv3_r50-d8-recon-cross_8xb2-20k_kitti-640x192.py'
model = dict(backbone=dict(frozen_stages=4))
