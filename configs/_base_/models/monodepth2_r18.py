# Monodepth2 depth + pose networks (Godard et al., ICCV 2019) with ResNet-18 encoders,
# trained from monocular video (frames 0, -1, +1). Supervision and frames are set per config:
# 'M' [0, -1, 1], 'S' [0, 's'], 'MS' [0, -1, 1, 's'], 'L' [0] (pose branch unused).
# Inputs as pretrain_preprocessor.py (Monodepth2's normalisation, which fine-tuning from
# these weights must use too, and colour jitter).
_base_ = './pretrain_preprocessor.py'
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='SelfSupDepthEstimator',
    data_preprocessor={{_base_.data_preprocessor}},
    supervision='M',
    frame_ids=[0, -1, 1],
    min_depth=0.1,
    max_depth=100.0,
    backbone=dict(type='DepthResNet', depth=18, norm_cfg=norm_cfg),
    decode_head=dict(
        type='DisparityHead',
        in_channels=[64, 64, 128, 256, 512],
        channels=[16, 32, 64, 128, 256],
        scales=[0, 1, 2, 3],
        # Metric units (S, MS, L): start at about 9 m instead of 0.2 m; with the metric
        # stereo baseline (0.54 m) the default init puts every warp outside the image, where
        # sampling has no gradient. M alone sets None (Monodepth2's init, non-metric units).
        init_disp=0.01,
    ),
    pose_encoder=dict(type='DepthResNet', depth=18, num_input_images=2, norm_cfg=norm_cfg),
    # Translation in metres for MS: Monodepth2's pose scale 0.01 is in units of its 0.1 stereo
    # baseline, about 0.05 in metres; 0.1 lets the camera's ~1 m per frame be reached early.
    # M alone sets None (Monodepth2's 0.01 for rotation and translation).
    pose_decoder=dict(
        type='PoseDecoder', in_channels=512, num_input_features=1, translation_scale=0.1
    ),
    photometric_loss=dict(
        type='PhotometricReprojectionLoss', ssim_weight=0.85, automask=True, automask_noise=1e-5
    ),
    smoothness_loss=dict(type='EdgeAwareSmoothnessLoss', loss_weight=1e-3),
    depth_loss=dict(type='MaskedL1DepthLoss'),
    nonfinite='raise',
)
