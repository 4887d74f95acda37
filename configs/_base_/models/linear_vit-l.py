# Linear probe on a frozen plain ViT-L, as DINOv2 evaluates segmentation (Oquab et al.,
# "linear"): BatchNorm and a 1x1 classifier on the last block's patch tokens (after the
# final norm), logits at the patch grid upsampled to the image. The backbone is frozen
# (freeze=True: no gradient, eval mode, left out of the optimizer); only the head trains.
# Same normalisation, padding and weights as the UPerNet model (upernet_vit-l.py).
_base_ = './upernet_vit-l.py'
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    backbone=dict(out_indices=-1, freeze=True, drop_path_rate=0.0),
    neck=None,
    decode_head=dict(
        _delete_=True,
        type='LinearProbeHead',
        in_channels=[1024],
        num_classes=150,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    auxiliary_head=None)
