# mmseg's DeepLabV3-R50-D8 with a plain (torchvision-layout) ResNet-50 stem, so that a
# depth encoder (DepthResNet, keys conv1/bn1/layer*) initialises it: the cross-architecture
# setup of the paper (Fig. 1 c). No ImageNet download: initialisation comes from load_from.
# Inputs in [0, 1] (../normalization/unit.py) unless a config selects another normalisation.
_base_ = ['mmseg::_base_/models/deeplabv3_r50-d8.py', '../normalization/unit.py']
data_preprocessor = dict(
    mean={{_base_.unit_normalization.mean}},
    std={{_base_.unit_normalization.std}},
    size_divisor=32,
)
model = dict(
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(type='ResNet', depth=50, style='pytorch', norm_eval=False),
    decode_head=dict(
        num_classes=19,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0, avg_non_ignore=True
        ),
    ),
    auxiliary_head=dict(num_classes=19),
)
