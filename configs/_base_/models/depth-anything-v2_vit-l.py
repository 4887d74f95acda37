# Depth Anything v2 ViT-L as a depth model (mmseg's DepthEstimator; REFERENCE.md Sec. 6):
# PlainViT of the DINOv2-L shape (patch 14, 37x37 position grid interpolated as the
# original code does), blocks [4, 11, 17, 23] each through the final norm, cls token
# dropped, and the released DPT head (features 256, out_channels [256, 512, 1024, 1024]).
# `model(x, mode='tensor')` returns what Depth Anything's forward returns, relative inverse
# depth after the final ReLU, as (B, 1, H, W); `predict` fills pred_depth_map with it, so
# the evaluator is MonoDepthMetric(pred_type='inverse_depth') with median scaling.
# Inputs: ImageNet mean/std on the target frame of our depth datasets (single_frame),
# sides multiples of 14 (the pipelines resize to such a size; nothing is padded).
# Training (fine-tuning the relative model) uses Depth Anything's affine-invariant loss on
# inverse depth against the ground truth's 1 / z.
_base_ = '../normalization/imagenet.py'
model = dict(
    type='DepthEstimator',
    data_preprocessor=dict(
        type='MultiFrameDataPreProcessor',
        mean={{_base_.imagenet_normalization.mean}},
        std={{_base_.imagenet_normalization.std}},
        single_frame=True),
    backbone=dict(type='PlainViT', arch='dinov2-l', out_indices=[4, 11, 17, 23]),
    decode_head=dict(
        type='DepthAnythingHead',
        embed_dims=1024,
        features=256,
        post_process_channels=[256, 512, 1024, 1024],
        loss_decode=dict(type='AffineInvariantDepthLoss')),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
