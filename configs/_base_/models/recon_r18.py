# Masked-reconstruction (inpainting) pre-training baseline: 1-3 random rectangles, each side
# 10-40 % of the image side, are replaced by black in the network input; a ResNet-18
# (DepthResNet) and the depth decoder family predict RGB (sigmoid) at full resolution; L1
# on the removed pixels. Inputs normalised as Monodepth2's (x - 0.45) / 0.225.
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='MultiFrameDataPreProcessor',
    mean=[114.75, 114.75, 114.75],
    std=[57.375, 57.375, 57.375],
    color_jitter=dict(brightness=0.2, contrast=0.2, saturation=0.2, hue=0.1, prob=0.5),
)
model = dict(
    type='MaskedReconstructionEstimator',
    data_preprocessor=data_preprocessor,
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
