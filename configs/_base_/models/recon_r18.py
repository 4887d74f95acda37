# Masked-reconstruction (inpainting) pre-training baseline: 1-3 random rectangles, each side
# 10-40 % of the image side, are replaced by black in the network input; a ResNet-18
# (DepthResNet) and the depth decoder family predict RGB (sigmoid) at full resolution; L1
# on the removed pixels. Inputs as pretrain_preprocessor.py.
_base_ = './pretrain_preprocessor.py'
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='MaskedReconstructionEstimator',
    data_preprocessor={{_base_.data_preprocessor}},
    backbone=dict(type='DepthResNet', depth=18, norm_cfg=norm_cfg),
    decode_head=dict(
        type='RGBHead',
        in_channels=[64, 64, 128, 256, 512],
        channels=[16, 32, 64, 128, 256],
        scales=[0],
    ),
    num_masks=(1, 3),
    mask_size=(0.1, 0.4),
    fill='zero',
    reconstruction_loss=dict(type='MaskedReconstructionLoss', unmasked_weight=0.0),
    test_seed=0,
)
