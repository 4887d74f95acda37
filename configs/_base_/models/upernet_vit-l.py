# UPerNet on a plain ViT-L (PlainViT, DINOv2 / Depth Anything shape, patch 14): mmseg's
# ViT + multi-level neck + UPerNet model (upernet_vit-b16_ln_mln.py) with its backbone
# replaced. Four blocks feed the neck, the ones Depth Anything v2's DPT head taps
# ([4, 11, 17, 23] for 24 blocks), each through the final norm, cls token dropped; the neck
# rescales them by 4, 2, 1 and 0.5 for UPerHead; an FCN auxiliary head reads the deepest.
# ImageNet normalisation (DINOv2, Depth Anything and DINOv3 were all trained with it).
# Sizes the patch does not divide are padded by the data preprocessor (size_divisor: a
# 512x512 crop becomes 518x518 at patch 14, the labels padded with 255, i.e. ignored, the
# predictions cropped back): never resized. The weights are given by a leaf
# (backbone.init_cfg, a file converted with tools/model_converters/vit_to_mmdp.py).
#
# Fine-tuning head: UPerNet, the usual head for fine-tuning plain ViTs in mmseg (BEiT, ViT,
# DeiT). The anchors of the comparison use others (REFERENCE.md Sec. 6): Depth Anything's
# released segmentation configs are Mask2Former (crop 896, AdamW 3e-5); DINOv2 evaluates
# segmentation with linear probes (linear_vit-l.py). The paper's Tab. 6 does not say which
# head its fine-tuning rows use.
_base_ = ['mmseg::_base_/models/upernet_vit-b16_ln_mln.py', '../normalization/imagenet.py']
model = dict(
    pretrained=None,
    data_preprocessor=dict(
        mean={{_base_.imagenet_normalization.mean}},
        std={{_base_.imagenet_normalization.std}},
        size_divisor=14,
        test_cfg=dict(size_divisor=14)),
    backbone=dict(
        _delete_=True,
        type='PlainViT',
        arch='dinov2-l',
        out_indices=[4, 11, 17, 23],
        drop_path_rate=0.2),  # stochastic depth: our choice (0.1 for ViT-B/S)
    neck=dict(in_channels=[1024] * 4, out_channels=1024),
    decode_head=dict(in_channels=[1024] * 4),
    auxiliary_head=dict(in_channels=1024))
