# The synthetic CPU fine-tuning schedule (synthetic_seg_cpu.py: Adam, cosine per iteration,
# 300 iterations, validation every 50) for ViT-S networks, with layer-wise learning-rate
# decay (0.9 per block, LayerDecayOptimWrapperConstructor) and the rate lowered to 2e-4
# (a ViT at the ResNet's 2e-3 is our guess of too fast; not tuned). Every synthetic ViT
# config uses it, whatever its initialisation, so that the initialisations are compared
# under one recipe.
_base_ = './synthetic_seg_cpu.py'
optim_wrapper = dict(
    constructor='LayerDecayOptimWrapperConstructor',
    optimizer=dict(lr=2e-4),
    paramwise_cfg=dict(layer_decay_rate=0.9))
