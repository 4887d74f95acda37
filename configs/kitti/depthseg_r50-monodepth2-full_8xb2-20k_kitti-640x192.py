# Initialisation: released Monodepth2 weights (mono 640x192), converted.
# Setup: encoder and decoder initialised, only the classifier fresh, fine-tune all (paper Fig. 1 b).
_base_ = './depthseg_r18-monodepth2-full_8xb2-20k_kitti-640x192.py'
model = dict(backbone=dict(depth=50), decode_head=dict(in_channels=(64, 256, 512, 1024, 2048)))
load_from = 'pretrain/monodepth2_r50_full.pth'
init_from = dict(source='path/to/mono_resnet50_640x192')
