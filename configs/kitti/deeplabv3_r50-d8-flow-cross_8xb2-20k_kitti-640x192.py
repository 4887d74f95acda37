# Initialisation: optical-flow siamese pre-training (encoder only, paper "Optical Flow").
# Setup: cross architecture: encoder initialises DeepLabV3-R50, decoder random, fine-tune all (paper Fig. 1 c).
_base_ = './deeplabv3_r50_depthinit.py'
load_from = 'pretrain/flow_r50_kitti_encoder.pth'
init_from = dict(source='work_dirs/flow_r50_1xb8-50e_kitti-640x192/iter_248850.pth')
