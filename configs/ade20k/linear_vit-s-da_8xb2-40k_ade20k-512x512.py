# Tab. 6 (Lao et al.): ADE20K (150 classes, 512x512 crops, whole-image inference), linear probe
# (frozen backbone), ViT-S initialised from Depth Anything V2 (Apache-2.0). The encoder is
# converted with
#   python tools/model_converters/vit_to_mmdp.py depth_anything_v2_vits.pth \
#       pretrain/depth-anything-v2_vit-s_backbone.pth --mode backbone
_base_ = [
    '../_base_/models/linear_vit-s.py', 'mmseg::_base_/datasets/ade20k.py',
    '../_base_/schedules/vit_linear_40k.py', '../_base_/default_runtime.py'
]
model = dict(
    backbone=dict(init_cfg=dict(type='Pretrained',
                                checkpoint='pretrain/depth-anything-v2_vit-s_backbone.pth')),
    decode_head=dict(num_classes=150))
train_dataloader = dict(batch_size=2)
