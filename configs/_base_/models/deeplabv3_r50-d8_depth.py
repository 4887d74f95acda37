# DeepLabV3-R50-D8 (mmseg's architecture) with a one-channel head predicting disparity,
# trained on ground-truth depth (Lao et al., Cityscapes experiments: the head is replaced by
# a fresh classifier for segmentation). ImageNet normalisation, as mmseg's DeepLabV3;
# colour jitter (as Monodepth2's, pretrain_preprocessor.py) on the network input.
_base_ = '../normalization/imagenet.py'
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='MultiFrameDataPreProcessor',
    mean={{_base_.imagenet_normalization.mean}},
    std={{_base_.imagenet_normalization.std}},
    color_jitter=dict(brightness=0.2, contrast=0.2, saturation=0.2, hue=0.1, prob=0.5),
)
model = dict(
    type='SelfSupDepthEstimator',
    data_preprocessor=data_preprocessor,
    supervision='L',
    frame_ids=[0],
    min_depth=0.1,
    max_depth=100.0,
    backbone=dict(
        type='ResNetV1c',
        depth=50,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True,
    ),
    decode_head=dict(
        type='ASPPHead',
        in_channels=2048,
        in_index=3,
        channels=512,
        dilations=(1, 12, 24, 36),
        dropout_ratio=0.1,
        num_classes=1,
        out_channels=1,
        threshold=0.5,
        norm_cfg=norm_cfg,
        align_corners=False,
    ),
    photometric_loss=None,
    smoothness_loss=None,
    depth_loss=dict(type='MaskedL1DepthLoss', max_depth=100.0),
    nonfinite='raise',
)
