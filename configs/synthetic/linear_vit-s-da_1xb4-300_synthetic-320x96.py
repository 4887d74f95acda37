# Linear probe (DINOv2's "linear": BatchNorm + 1x1 classifier on the last block's patch
# tokens) on a frozen ViT-S from Depth Anything v2 ViT-S (Apache-2.0), on the synthetic
# world's KITTI-semantics protocol (16 labelled images, 320x96 padded to 322x98). Only the
# head trains: Adam 1e-3, cosine, 300 iterations (synthetic_seg_cpu.py at a linear layer's
# rate; our choice). Converted with
#   python tools/model_converters/vit_to_mmdp.py depth_anything_v2_vits.pth \
#       pretrain/synthetic/depth-anything-v2_vit-s_backbone.pth --mode backbone
_base_ = [
    '../_base_/models/linear_vit-s.py', '../_base_/datasets/synthetic_kitti_semantic.py',
    '../_base_/schedules/synthetic_seg_cpu.py', '../_base_/default_runtime.py'
]
model = dict(decode_head=dict(num_classes=19, norm_cfg=dict(type='BN', requires_grad=True)))
optim_wrapper = dict(optimizer=dict(lr=1e-3))
train_dataloader = dict(batch_size=4)
load_from = 'pretrain/synthetic/depth-anything-v2_vit-s_backbone.pth'
init_from = dict(converter='vit_to_mmdp', source='depth_anything_v2_vits.pth', mode='backbone')
