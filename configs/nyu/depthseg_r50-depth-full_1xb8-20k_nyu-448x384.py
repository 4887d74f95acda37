# NYUv2 segmentation initialised from NYU depth (Kinect-supervised depth network with a
# ResNet-50 encoder): encoder and decoder transferred, only the classifier fresh.
_base_ = [
    './depthseg_r50-random-full_1xb8-20k_nyu-448x384.py', '../_base_/normalization/monodepth2.py'
]
model = dict(data_preprocessor={{_base_.monodepth2_normalization}})
load_from = 'pretrain/depth-l_r50_nyu_full.pth'
# iter_30290: the last checkpoint of that schedule (10 epochs of 3,029 iterations)
init_from = dict(converter='pretrain_to_seg', mode='full',
                 source='work_dirs/monodepth2-l_r50_1xb8-30k_nyu-448x384/iter_30290.pth')
