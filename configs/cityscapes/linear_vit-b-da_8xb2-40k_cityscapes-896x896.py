# Tab. 6 (Lao et al.): Cityscapes (19 classes, 896x896 crops, slide inference with the same crop),
# linear probe (frozen backbone), ViT-B initialised from Depth Anything V2 (CC-BY-NC-4.0). The
# encoder is converted with
#   python tools/model_converters/vit_to_mmdp.py depth_anything_v2_vitb.pth \
#       pretrain/depth-anything-v2_vit-b_backbone.pth --mode backbone
_base_ = [
    '../_base_/models/linear_vit-b.py', '../_base_/datasets/cityscapes_896x896.py',
    '../_base_/schedules/vit_linear_40k.py', '../_base_/default_runtime.py'
]
model = dict(
    backbone=dict(init_cfg=dict(type='Pretrained',
                                checkpoint='pretrain/depth-anything-v2_vit-b_backbone.pth')),
    decode_head=dict(num_classes=19),
    test_cfg=dict(mode='slide', crop_size=(896, 896), stride=(597, 597)))
train_dataloader = dict(batch_size=2)
