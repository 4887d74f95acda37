# The Depth Anything depth network as a segmentation network (paper Fig. 1 b for ViTs):
# PlainViT-L (DINOv2-L shape, blocks [4, 11, 17, 23] through the final norm, cls token
# dropped) and Depth Anything v2 ViT-L's DPT decoder (features 256, out_channels
# [256, 512, 1024, 1024]) in DepthAnythingSegHead: the decoder of DepthAnythingHead with a
# 1x1 classifier in place of its depth output, so a file converted with
# `vit_to_mmdp.py --mode seg-full` initialises everything but the classifier, and one
# converted with `--mode backbone` the encoder only (the decoder starts random).
# ImageNet normalisation (Depth Anything's). Inputs the patch does not divide are padded
# by the data preprocessor (size_divisor 14: 640x192 -> 644x196; labels padded with 255,
# i.e. ignored; predictions cropped back), never resized.
_base_ = '../normalization/imagenet.py'
model = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(
        type='SegDataPreProcessor',
        mean={{_base_.imagenet_normalization.mean}},
        std={{_base_.imagenet_normalization.std}},
        bgr_to_rgb=True,
        pad_val=0,
        seg_pad_val=255,
        size_divisor=14,
        test_cfg=dict(size_divisor=14)),
    pretrained=None,
    backbone=dict(type='PlainViT', arch='dinov2-l', out_indices=[4, 11, 17, 23]),
    decode_head=dict(
        type='DepthAnythingSegHead',
        embed_dims=1024,
        features=256,
        post_process_channels=[256, 512, 1024, 1024],
        num_classes=19,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0, avg_non_ignore=True)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
