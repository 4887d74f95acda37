# Tab. 6 (Lao et al.): Pascal VOC 2012 with the augmented training set (21 classes, 512x512 crops,
# whole-image inference), linear probe (frozen backbone), ViT-B initialised from Depth Anything V2
# (CC-BY-NC-4.0). The encoder is converted with
#   python tools/model_converters/vit_to_mmdp.py depth_anything_v2_vitb.pth \
#       pretrain/depth-anything-v2_vit-b_backbone.pth --mode backbone
_base_ = [
    '../_base_/models/linear_vit-b.py', 'mmseg::_base_/datasets/pascal_voc12_aug.py',
    '../_base_/schedules/vit_linear_40k.py', '../_base_/default_runtime.py'
]
model = dict(
    backbone=dict(init_cfg=dict(type='Pretrained',
                                checkpoint='pretrain/depth-anything-v2_vit-b_backbone.pth')),
    decode_head=dict(num_classes=21))
train_dataloader = dict(batch_size=2)
