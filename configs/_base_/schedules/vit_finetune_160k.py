# Fine-tuning a pre-trained plain ViT for segmentation (ADE20K length): AdamW, lr 3e-5,
# weight decay 0.05 (Depth Anything's segmentation recipe, REFERENCE.md Sec. 6), with
# layer-wise learning-rate decay 0.9 over the blocks in place of its flat backbone lr x0.1
# (LayerDecayOptimWrapperConstructor: embeddings and block i of L train at
# 0.9 ** (L + 1 - layer) of the lr, heads at the lr; no weight decay on norms, biases,
# position embeddings and tokens; frozen parameters left out), linear warm-up over 1500
# iterations then poly decay (power 1.0) to 0, as mmseg's BEiT UPerNet configs; 160k
# iterations at batch 16 (8 GPUs x 2). One recipe for every initialisation and size, so that
# the initialisations are compared under the same schedule.
_base_ = './seg_finetune.py'
optim_wrapper = dict(
    constructor='LayerDecayOptimWrapperConstructor',
    optimizer=dict(type='AdamW', lr=3e-5, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(layer_decay_rate=0.9))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=1500, end=160000),
]
train_cfg = dict(max_iters=160000, val_interval=16000)
default_hooks = dict(checkpoint=dict(interval=16000, max_keep_ckpts=2))
auto_scale_lr = dict(enable=False, base_batch_size=16)
