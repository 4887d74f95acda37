# Initialisation: released Monodepth2 weights (mono 640x192), converted.
# Setup: cross architecture: encoder initialises DeepLabV3-R50, decoder random, fine-tune all (paper Fig. 1 c).
_base_ = './deeplabv3_r50_depthinit.py'
load_from = 'pretrain/monodepth2_r50_encoder.pth'
init_from = dict(converter='monodepth2_to_mmdp', mode='seg-encoder',
                 source='path/to/mono_resnet50_640x192')
