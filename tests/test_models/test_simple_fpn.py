"""The simple feature pyramid of a plain ViT: strides, channels, channel LayerNorm."""
import pytest
import torch

from mmdepthpretrain.models.necks import LN2d, SimpleFPN


def test_layernorm2d_normalises_each_pixel_over_channels():
    torch.manual_seed(0)
    ln = LN2d(6)
    torch.nn.init.normal_(ln.weight)
    torch.nn.init.normal_(ln.bias)
    x = torch.randn(2, 6, 3, 5)
    ref = torch.nn.functional.layer_norm(x.permute(0, 2, 3, 1), (6,), ln.weight, ln.bias, 1e-6)
    assert torch.allclose(ln(x), ref.permute(0, 3, 1, 2), atol=1e-6)


def test_pyramid_strides_and_channels_from_the_last_map():
    from mmdet.registry import MODELS
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmdet'):
        neck = MODELS.build(dict(type='SimpleFPN', backbone_channel=16, out_channels=8,
                                 num_outs=5))
    assert isinstance(neck, SimpleFPN)
    first = torch.randn(1, 16, 6, 8)
    last = torch.randn(1, 16, 6, 8)
    outs = neck((first, last))
    assert [tuple(o.shape) for o in outs] == [(1, 8, 24, 32), (1, 8, 12, 16), (1, 8, 6, 8),
                                              (1, 8, 3, 4), (1, 8, 2, 2)]
    # only the last backbone map is used
    again = neck((torch.zeros_like(first), last))
    assert all(torch.equal(a, b) for a, b in zip(outs, again))
    # every level is LayerNorm-ed: zero mean over channels before the norm's affine
    assert neck.fpn_convs[0].norm.__class__ is LN2d
    with pytest.raises(ValueError, match='expected 16 channels'):
        neck((torch.randn(1, 12, 6, 8),))
    with pytest.raises(ValueError, match='num_outs'):
        SimpleFPN(16, num_outs=3)


def test_gradients_reach_every_parameter():
    neck = SimpleFPN(8, out_channels=4, num_outs=4)
    outs = neck((torch.randn(2, 8, 4, 4),))
    sum(o.square().mean() for o in outs).backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in neck.parameters())
