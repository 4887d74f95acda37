# Initialisation: self-supervised monocular depth (M) pre-trained on the synthetic world from random initialisation. Setup: full.
_base_ = [
    './depthseg_r18-random-full_1xb4-300_synthetic-320x96.py',
    '../_base_/normalization/monodepth2.py',
]
model = dict(data_preprocessor={{_base_.monodepth2_normalization}})
load_from = 'pretrain/synthetic/depth_r18_full.pth'
init_from = dict(converter='pretrain_to_seg', mode='full',
                 source='work_dirs/monodepth2-m_r18_1xb4-400_synthetic-320x96/iter_400.pth')
