"""Layer-wise learning-rate decay: the rates the formula gives, read from the optimizer."""
import pytest
import torch
import torch.nn as nn

from mmdepthpretrain.engine import LayerDecayOptimWrapperConstructor, vit_layer_id


class _Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.fc = nn.Linear(dim, dim)


class _ViT(nn.Module):
    def __init__(self, dim=4, depth=3):
        super().__init__()
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, 5, dim))
        self.patch_embed = nn.Conv2d(3, dim, 2, 2)
        self.blocks = nn.ModuleList(_Block(dim) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)


class _Model(nn.Module):
    def __init__(self, frozen_block=None):
        super().__init__()
        self.backbone = _ViT()
        self.decode_head = nn.Conv2d(4, 2, 1)
        if frozen_block is not None:
            self.backbone.blocks[frozen_block].requires_grad_(False)


def _build(model, decay=0.5, lr=1.0, wd=0.1, **extra):
    ctor = LayerDecayOptimWrapperConstructor(
        dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=lr, weight_decay=wd)),
        dict(layer_decay_rate=decay, **extra))
    return ctor(model).optimizer


def test_layer_ids_follow_the_vit_rule():
    assert vit_layer_id('backbone.cls_token', 12) == 0
    assert vit_layer_id('backbone.patch_embed.weight', 12) == 0
    assert vit_layer_id('backbone.blocks.0.attn.qkv.weight', 12) == 1
    assert vit_layer_id('backbone.layers.11.ln1.weight', 12) == 12
    assert vit_layer_id('backbone.norm.weight', 12) == 13
    assert vit_layer_id('neck.lateral.0.weight', 12) == 13


def test_learning_rates_and_weight_decay_read_from_the_optimizer():
    model = _Model()
    opt = _build(model, decay=0.5, lr=1.0, wd=0.1)
    by_param = {}
    for g in opt.param_groups:
        for p in g['params']:
            by_param[p] = (g['lr'], g['weight_decay'])
    names = dict(model.named_parameters())
    L = 3
    expected_layer = {
        'backbone.cls_token': 0, 'backbone.pos_embed': 0, 'backbone.patch_embed.weight': 0,
        'backbone.patch_embed.bias': 0, 'backbone.blocks.0.fc.weight': 1,
        'backbone.blocks.1.norm1.weight': 2, 'backbone.blocks.2.fc.bias': 3,
        'backbone.norm.weight': 4, 'decode_head.weight': 4, 'decode_head.bias': 4}
    for name, layer in expected_layer.items():
        lr, wd = by_param[names[name]]
        assert lr == pytest.approx(0.5 ** (L + 1 - layer)), name
        no_decay = names[name].ndim == 1 or name.split('.')[1] in ('cls_token', 'pos_embed')
        assert wd == (0.0 if no_decay else 0.1), name
    assert len(by_param) == len(names)  # every parameter in exactly one group


def test_frozen_parameters_are_not_in_the_optimizer_and_unknown_keys_fail():
    model = _Model(frozen_block=1)
    opt = _build(model)
    in_opt = {p for g in opt.param_groups for p in g['params']}
    frozen = set(model.backbone.blocks[1].parameters())
    assert frozen and not (frozen & in_opt)
    assert len(in_opt) == sum(1 for p in model.parameters() if p.requires_grad)
    with pytest.raises(ValueError, match='layer_decay_rate'):
        LayerDecayOptimWrapperConstructor(dict(type='OptimWrapper', optimizer=dict(
            type='SGD', lr=0.1)), dict())
    with pytest.raises(ValueError, match='decay_mult'):
        _build(model, decay_mult=1.0)


def test_registered_for_segmentation_and_detection():
    from mmdet.registry import OPTIM_WRAPPER_CONSTRUCTORS as DET
    from mmseg.registry import OPTIM_WRAPPER_CONSTRUCTORS as SEG
    assert SEG.get('LayerDecayOptimWrapperConstructor') is LayerDecayOptimWrapperConstructor
    assert DET.get('LayerDecayOptimWrapperConstructor') is LayerDecayOptimWrapperConstructor
