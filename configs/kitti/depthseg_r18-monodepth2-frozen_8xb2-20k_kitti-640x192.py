# Initialisation: released Monodepth2 weights (mono 640x192), converted.
# Setup: encoder frozen (no gradient, not in the optimizer, BN in eval mode), decoder trained (paper Fig. 1 d).
_base_ = './depthseg_r18-monodepth2-full_8xb2-20k_kitti-640x192.py'
model = dict(backbone=dict(frozen_stages=4))
