# Initialisation: self-supervised monocular depth (M), ImageNet-initialised (paper "Depth").
# Setup: encoder frozen (no gradient, not in the optimizer, BN in eval mode), decoder trained (paper Fig. 1 d).
_base_ = './deeplabv3_r50_depthinit.py'
model = dict(backbone=dict(frozen_stages=4))
