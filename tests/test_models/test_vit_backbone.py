"""PlainViT: interpolation conventions, patch-size handling, attention, freezing, registries."""
import math

import pytest
import torch
import torch.nn.functional as F
from mmseg.registry import OPTIM_WRAPPER_CONSTRUCTORS

from mmdepthpretrain.models import PlainViT
from mmdepthpretrain.models.backbones.vit_layers import (
    RopePositionEmbedding,
    apply_rope,
    interpolate_pos_embed,
)

TINY = dict(embed_dims=32, num_layers=3, num_heads=4, ffn_channels=64)


def tiny(**kw):
    kw.setdefault('arch', dict(TINY))
    kw.setdefault('img_size', 56)
    model = PlainViT(**kw)
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.2 + (1 if p.dim() == 1 else 0))
    return model.eval()


def test_pos_embed_conventions():
    g = torch.Generator().manual_seed(0)
    pos = torch.randn(1, 1 + 16, 8, generator=g)
    grid = pos[:, 1:].reshape(1, 4, 4, 8).permute(0, 3, 1, 2)
    for mode in ('dinov2', 'dinov2_reg', 'hf', 'bilinear'):
        assert interpolate_pos_embed(pos, (4, 4), mode) is pos  # identity at the native grid
    ours = {m: interpolate_pos_embed(pos, (3, 6), m) for m in ('dinov2', 'hf', 'bilinear')}
    expected = {
        # original DINOv2 / Depth Anything: scale factors with the +0.1 offset, no antialias
        'dinov2': F.interpolate(grid, scale_factor=(3.1 / 4, 6.1 / 4), mode='bicubic'),
        'hf': F.interpolate(grid, size=(3, 6), mode='bicubic', align_corners=False),
        'bilinear': F.interpolate(grid, size=(3, 6), mode='bilinear', align_corners=False),
    }
    for mode, out in ours.items():
        assert torch.equal(out[:, :1], pos[:, :1])  # the cls position is kept
        torch.testing.assert_close(out[:, 1:], expected[mode].permute(0, 2, 3, 1).reshape(
            1, 18, 8), rtol=0, atol=0)
    assert (ours['dinov2'] - ours['hf']).abs().max() > 1e-3  # the conventions really differ
    with pytest.raises(ValueError, match='pos_interp must be one of'):
        interpolate_pos_embed(pos, (3, 3), 'nearest')


def test_patch_size_is_checked_or_padded():
    with pytest.raises(ValueError, match=r'img_size 512x512 is not a multiple of the patch size '
                                         r'14 \(e.g. use 504x504 or 518x518\)'):
        PlainViT(arch='dinov2-s', img_size=512)
    with pytest.raises(ValueError, match=r'crop 512x1024 is not a multiple of the patch size 14'):
        PlainViT(arch='dinov2-s', crop_size=(512, 1024))
    assert PlainViT(arch='dinov2-s', num_layers=1, crop_size=512, pad_input=True).pad_input
    model = tiny(out_indices=[-1])
    with pytest.raises(ValueError, match=r'input 50x56 is not a multiple of the patch size 14'):
        model(torch.randn(1, 3, 50, 56))
    padded = tiny(out_indices=[-1], pad_input=True)
    x = torch.randn(1, 3, 50, 60)
    with torch.no_grad():
        out = padded(x)[0]
        ref = padded(F.pad(x, (0, 10, 0, 6)))[0]
    assert out.shape == (1, 32, 4, 5)
    assert torch.equal(out, ref)  # zero padding, never a resize


def test_outputs_readout_and_norm():
    model = tiny(out_indices=[0, -1], readout='cls_token')
    x = torch.randn(2, 3, 28, 42)
    with torch.no_grad():
        (m0, c0), (m2, c2) = model(x)
        tokens, _ = model.tokens(x)
        t = model.blocks[0](tokens)
    assert m0.shape == (2, 32, 2, 3) and c0.shape == (2, 32)
    normed = model.norm(t)
    torch.testing.assert_close(m0, normed[:, 1:].transpose(1, 2).reshape(2, 32, 2, 3))
    torch.testing.assert_close(c0, normed[:, 0])
    model.readout = 'add'
    with torch.no_grad():
        added = model(x)[1]
    torch.testing.assert_close(added, m2 + c2[:, :, None, None])
    assert tiny(out_indices=-4 + 3).out_indices == [2]
    with pytest.raises(ValueError, match='outside the 3 blocks'):
        tiny(out_indices=[3])
    with pytest.raises(TypeError, match='unknown arguments'):
        tiny(embed_dim=3)


def test_register_tokens_and_rope():
    model = tiny(arch=dict(TINY, pos_embed='rope'), img_size=64, num_register_tokens=4,
                 out_indices=[-1],
                 k_bias=False)
    assert model.pos_embed is None and model.register_tokens.shape == (1, 4, 32)
    x = torch.randn(1, 3, 32, 48)
    assert model(x)[0].shape == (1, 32, 2, 3)
    rope = RopePositionEmbedding(8, base=100.0)
    assert torch.allclose(rope.periods, 100.0 ** (torch.arange(2) / 2))
    sin, cos = rope(2, 3)
    q = torch.randn(1, 2, 1 + 6, 8)
    q2, k2 = apply_rope(q, q.clone(), (sin, cos))
    assert torch.equal(q2[:, :, :1], q[:, :, :1])  # the cls token is not rotated
    torch.testing.assert_close(q2.norm(dim=-1), q.norm(dim=-1))  # a rotation
    # with RoPE a key bias matters, so DINOv3's is masked to zero and gets no gradient
    attn = model.blocks[0].attn
    assert torch.all(attn.qkv_bias_mask[32:64] == 0)
    model.train()
    model(x)[0].sum().backward()
    assert torch.all(attn.qkv.bias.grad[32:64] == 0) and attn.qkv.bias.grad[:32].abs().sum() > 0


def test_attention_is_sdpa(monkeypatch):
    calls = []
    sdpa = F.scaled_dot_product_attention

    def counting(*args, **kwargs):
        calls.append(1)
        return sdpa(*args, **kwargs)

    monkeypatch.setattr(F, 'scaled_dot_product_attention', counting)
    model = tiny(out_indices=[-1])
    model(torch.randn(1, 3, 28, 28))
    assert len(calls) == 3
    # and it equals the explicit softmax attention
    attn = model.blocks[0].attn
    x = torch.randn(2, 5, 32)
    q, k, v = attn.qkv(x).reshape(2, 5, 3, 4, 8).permute(2, 0, 3, 1, 4)
    w = (q @ k.transpose(-1, -2) / math.sqrt(8)).softmax(-1)
    ref = attn.proj((w @ v).transpose(1, 2).reshape(2, 5, 32))
    torch.testing.assert_close(attn(x), ref, rtol=1e-5, atol=1e-6)


def test_gradient_checkpointing_matches():
    x = torch.randn(2, 3, 28, 28)
    grads = []
    for with_cp in (False, True):
        model = tiny(out_indices=[1, 2], with_cp=with_cp).train()
        out = sum(o.square().sum() for o in model(x))
        out.backward()
        grads.append([p.grad.clone() for p in model.parameters()])
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b)


def _trainable_model(**backbone):
    from mmseg.registry import MODELS
    return MODELS.build(dict(
        type='EncoderDecoder', backbone=dict(type='PlainViT', arch=TINY, img_size=28,
                                             drop_path_rate=0.5, **backbone),
        decode_head=dict(type='LinearProbeHead', in_channels=[32], num_classes=3)))


def test_freeze_is_really_frozen():
    model = _trainable_model(freeze=True, out_indices=[-1])
    backbone = model.backbone
    assert all(not p.requires_grad for p in backbone.parameters())
    model.train()
    assert not any(m.training for m in backbone.modules())  # drop path off, eval mode kept
    wrapper = OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
        type='FrozenAwareOptimWrapperConstructor',
        optim_wrapper_cfg=dict(type='OptimWrapper', optimizer=dict(
            type='SGD', lr=0.1, momentum=0.9, weight_decay=0.1))))(model)
    in_opt = {id(p) for g in wrapper.optimizer.param_groups for p in g['params']}
    assert not in_opt & {id(p) for p in backbone.parameters()}
    assert {id(p) for p in model.decode_head.parameters()} <= in_opt
    before = {k: v.clone() for k, v in backbone.state_dict().items()}
    head_before = model.decode_head.conv_seg.weight.clone()
    x = torch.randn(2, 3, 28, 28)
    for _ in range(2):
        loss = model.decode_head.forward(model.backbone(x)).square().mean()
        wrapper.update_params(loss)
    for k, v in backbone.state_dict().items():
        assert torch.equal(v, before[k]), k  # bit-identical after training steps
    assert not torch.equal(model.decode_head.conv_seg.weight, head_before)  # the head trains


def test_frozen_stages():
    model = _trainable_model(frozen_stages=1, out_indices=[-1]).train()
    vit = model.backbone
    assert not vit.cls_token.requires_grad and not vit.pos_embed.requires_grad
    assert all(not p.requires_grad for p in vit.blocks[0].parameters())
    assert all(p.requires_grad for p in vit.blocks[1].parameters())
    assert not vit.blocks[0].training and vit.blocks[1].training and vit.norm.training


def test_registered_in_mmseg_and_mmdet():
    from mmdet.registry import MODELS as DET
    from mmseg.registry import MODELS as SEG
    for registry in (SEG, DET):
        model = registry.build(dict(type='PlainViT', arch='dinov2-s', num_layers=1,
                                    out_indices=[0]))
        assert isinstance(model, PlainViT) and model.embed_dims == 384
    with pytest.raises(ValueError, match='arch .* unknown'):
        PlainViT(arch='dinov2-xxl')


def test_pretrained_init_is_strict_and_names_both_shapes(tmp_path):
    source = tiny(out_indices=[-1])
    path = tmp_path / 'vit.pth'
    torch.save(dict(state_dict={f'backbone.{k}': v for k, v in source.state_dict().items()}),
               path)
    cfg = dict(arch=dict(TINY), img_size=56, out_indices=[-1],
               init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    good = PlainViT(**cfg)
    good.init_weights()  # the backbone. prefix is found by itself
    assert all(torch.equal(a, b) for a, b in zip(good.state_dict().values(),
                                                 source.state_dict().values()))
    other_grid = PlainViT(**dict(cfg, img_size=28))
    with pytest.raises(ValueError, match=r'pos_embed: checkpoint shape \[1, 17, 32\] vs model '
                                         r'shape \[1, 5, 32\].*set img_size'):
        other_grid.init_weights()
    wider = PlainViT(**dict(cfg, arch=dict(TINY, embed_dims=64)))
    with pytest.raises(ValueError, match=r'cls_token: checkpoint shape \[1, 1, 32\] vs model '
                                         r'shape \[1, 1, 64\]'):
        wider.init_weights()
