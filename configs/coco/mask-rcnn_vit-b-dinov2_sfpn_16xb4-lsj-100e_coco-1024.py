_base_ = [
    '../_base_/det_mask-rcnn_vit-b_sfpn.py', '../_base_/det_coco_instance.py',
    '../_base_/det_vitdet_100e.py'
]
# DINOv2 ViT-B/14 (Apache-2.0), converted with
#   python tools/model_converters/vit_to_mmdp.py dinov2_vitb14_pretrain.pth \
#       pretrain/dinov2_vit-b14_backbone.pth --mode backbone
# (patch 14: the kernel is resampled to 16 when loaded, see the model base)
model = dict(
    backbone=dict(
        arch='dinov2-b',
        init_cfg=dict(type='Pretrained',
                      checkpoint='pretrain/dinov2_vit-b14_backbone.pth',
                      resample_patch_embed=True)),
    roi_head=dict(bbox_head=dict(num_classes={{_base_.num_things}}),
                  mask_head=dict(num_classes={{_base_.num_things}})))
