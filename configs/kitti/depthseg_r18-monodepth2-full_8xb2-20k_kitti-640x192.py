# Initialisation: released Monodepth2 weights (mono 640x192), converted.
# Setup: encoder and decoder initialised, only the classifier fresh, fine-tune all (paper Fig. 1 b).
_base_ = './depthseg_r18-depth-full_8xb2-20k_kitti-640x192.py'
load_from = 'pretrain/monodepth2_r18_full.pth'
init_from = dict(converter='monodepth2_to_mmdp', source='path/to/mono_640x192', mode='seg-full')
