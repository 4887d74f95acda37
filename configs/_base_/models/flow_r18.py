# Optical-flow siamese pre-training baseline (Lao et al., appendix B.3): one ResNet-18
# (DepthResNet, five levels) with shared weights encodes frames t and t+1, the levels are
# concatenated (decoder in_channels doubled) and the depth decoder family predicts 2-channel
# flow t -> t+1 at scales 0-3. Photometric loss 0.15 L1 + 0.85 SSIM (the public script; the
# paper's text, 0.15 L1 + 0.15 (1 - SSIM), is ssim_weight=0.3), edge-aware smoothness of
# both flow components with weight 2.0 (script; 5 in the text), scale weights 1/2^r.
# Inputs as pretrain_preprocessor.py (Monodepth2's normalisation, which the segmentation
# configs that load this encoder use too).
_base_ = './pretrain_preprocessor.py'
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='FlowSiameseEstimator',
    data_preprocessor={{_base_.data_preprocessor}},
    frame_ids=[0, 1],
    backbone=dict(type='DepthResNet', depth=18, norm_cfg=norm_cfg),
    decode_head=dict(
        type='FlowHead',
        in_channels=[128, 128, 256, 512, 1024],
        channels=[16, 32, 64, 128, 256],
        scales=[0, 1, 2, 3],
    ),
    photometric_loss=dict(type='FlowPhotometricLoss', l1_weight=0.15, ssim_weight=0.85),
    smoothness_loss=dict(type='FlowSmoothnessLoss', loss_weight=2.0),
    loss_resolution='scale',
)
