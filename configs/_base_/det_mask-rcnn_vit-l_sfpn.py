# Mask R-CNN with a plain ViT-L backbone and a simple feature pyramid (ViTDet, Li et al.
# 2022): mmdet's Mask R-CNN with the ResNet/FPN replaced (`_delete_`), ImageNet
# normalisation (DINOv2, Depth Anything and DINOv3 all use it), ViTDet's heads (2-conv RPN,
# 4conv1fc box head and mask head with LayerNorm-2d).
#
# Patch 14 at detection sizes: the backbone always runs at patch 16. DINOv2 / Depth
# Anything (patch 14) kernels are resampled to 16 when loaded (init_cfg
# resample_patch_embed=True: the pseudo-inverse resize of FlexiViT) and their 37x37
# position grid is kept (img_size=592 = 37 x 16) and interpolated to the input's grid at run
# time. So a 1024 input gives a 64x64 map of stride 16 and the pyramid has mmdet's strides
# 4, 8, 16, 32 (+64 for the RPN) exactly; padding 1024 to 1036 at patch 14 would give
# strides 3.5 ... 56 that mmdet's anchor generator and RoI extractors do not assume.
#
# Attention is global in every block (no windows, no relative position terms): the
# DINOv2 / Depth Anything / DINOv3 weights were trained with global attention and have no
# relative position tables, so windowing would change what they compute; 64x64 = 4096 tokens
# per image fit with scaled-dot-product attention and gradient checkpointing (with_cp).
_base_ = ['mmdet::_base_/models/mask-rcnn_r50_fpn.py', './normalization/imagenet.py']
model = dict(
    data_preprocessor=dict(
        mean={{_base_.imagenet_normalization.mean}},
        std={{_base_.imagenet_normalization.std}},
        bgr_to_rgb=True, pad_mask=True, pad_size_divisor=32),
    backbone=dict(
        _delete_=True,
        type='PlainViT',
        arch='dinov2-l',
        patch_size=16,
        img_size=592,          # the checkpoint's 37x37 position grid at patch 16
        out_indices=-1,        # the last block feeds the simple pyramid
        drop_path_rate=0.4,    # ViTDet ViT-L
        with_cp=True),         # init_cfg: set by the initialisation (a leaf config)
    neck=dict(
        _delete_=True,
        type='SimpleFPN',
        backbone_channel=1024,
        in_channels=[256, 512, 1024, 1024],
        out_channels=256,
        num_outs=5,
        norm_cfg=dict(type='LN2d', eps=1e-6)),
    rpn_head=dict(num_convs=2),
    roi_head=dict(
        bbox_head=dict(
            type='Shared4Conv1FCBBoxHead',
            conv_out_channels=256,
            norm_cfg=dict(type='LN2d', eps=1e-6)),
        mask_head=dict(norm_cfg=dict(type='LN2d', eps=1e-6))))
# ViTDet's optimiser for ViT-L: AdamW, lr 1e-4, weight decay 0.1, layer-wise lr decay 0.8
# (block i of 24 trains at 0.8 ** (25 - (i + 1)) of the lr; no decay on norms, biases and
# position embeddings), for 64 images per step.
optim_wrapper = dict(
    type='OptimWrapper',
    constructor='LayerDecayOptimWrapperConstructor',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.1),
    paramwise_cfg=dict(layer_decay_rate=0.8))
auto_scale_lr = dict(enable=False, base_batch_size=64)
