# Initialisation: none (random). Setup: frozen.
_base_ = './depthseg_r18-random-full_1xb4-300_synthetic-320x96.py'
model = dict(backbone=dict(frozen_stages=4))
