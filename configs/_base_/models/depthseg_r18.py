# Segmentation network that *is* the depth network (paper Fig. 1 b): a five-level ResNet-18
# encoder and the multi-scale depth decoder, with a fresh 1x1 classifier on the finest
# decoder level. Inputs in [0, 1] (../normalization/unit.py); a config that loads
# pre-trained weights selects their normalisation.
_base_ = '../normalization/unit.py'
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean={{_base_.unit_normalization.mean}},
    std={{_base_.unit_normalization.std}},
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size_divisor=32,
)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(
        type='DepthResNet', depth=18, norm_cfg=norm_cfg, norm_eval=False, style='pytorch'
    ),
    decode_head=dict(
        type='DepthSegHead',
        in_channels=(64, 64, 128, 256, 512),
        channels=(16, 32, 64, 128, 256),
        num_classes=19,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0, avg_non_ignore=True
        ),
    ),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'),
)
