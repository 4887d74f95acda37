# Training a linear probe on a frozen ViT: only the head (BatchNorm + 1x1 classifier) is in
# the optimiser (FrozenAwareOptimWrapperConstructor leaves the frozen backbone out); AdamW,
# lr 1e-3, weight decay 1e-4, linear warm-up over 1500 iterations then poly decay to 0,
# 40k iterations at batch 16 (our choice for a linear layer: no layer-wise decay, nothing
# else trains).
_base_ = './vit_finetune_40k.py'
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    constructor='FrozenAwareOptimWrapperConstructor',
    optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.999), weight_decay=1e-4))
