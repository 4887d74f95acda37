# NYUv2 segmentation initialised from NYU depth (Kinect-supervised depth network with a
# ResNet-50 encoder): encoder and decoder transferred, only the classifier fresh.
_base_ = './depthseg_r50-random-full_1xb8-20k_nyu-448x384.py'
model = dict(data_preprocessor=dict(mean=[114.75, 114.75, 114.75], std=[57.375, 57.375, 57.375]))
load_from = 'pretrain/depth-l_r50_nyu_full.pth'
load_from_hint = (
    'python tools/model_converters/pretrain_to_seg.py work_dirs/monodepth2-l_r50_'
    '1xb8-30k_nyu-448x384/iter_30000.pth pretrain/depth-l_r50_nyu_full.pth '
    '--mode full'
)
