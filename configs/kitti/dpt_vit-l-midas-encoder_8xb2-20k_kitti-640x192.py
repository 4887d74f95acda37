# Initialisation: MiDaS DPT-Large (MIT), encoder only: the paper's Tab. 3 "DPT" ViT-L
# (a timm ViT-L/16: patch 16, no LayerScale, blocks [5, 11, 17, 23] taken before the final
# norm, cls token read out by the decoder's projection), MiDaS normalisation.
# Setup: encoder initialised, DPT decoder random, fine-tune all (paper Tab. 3), the encoder
# at the paper's ViT learning rate 5e-8 (see dpt_vit-l-da-full_...). Converted with
#   python tools/model_converters/vit_to_mmdp.py dpt_large_384.pt \
#       pretrain/midas_dpt-large_backbone.pth --mode backbone
_base_ = [
    './dpt_vit-l-da-encoder_8xb2-20k_kitti-640x192.py', '../_base_/normalization/midas.py'
]
model = dict(
    data_preprocessor=dict(
        mean={{_base_.midas_normalization.mean}},
        std={{_base_.midas_normalization.std}},
        size_divisor=16,
        test_cfg=dict(size_divisor=16)),
    backbone=dict(arch='midas-l', out_indices=[5, 11, 17, 23], readout='cls_token'),
    decode_head=dict(readout_type='project', patch_size=16))
load_from = 'pretrain/midas_dpt-large_backbone.pth'
init_from = dict(source='dpt_large_384.pt')
