"""Tiny random Hugging Face models and the sources' original key layouts made from them.

Helpers for the ViT converter tests (importing this module needs transformers). The
original-format producers write the documented key mapping (REFERENCE.md Sec. 6) in the
inverse direction, independently of the converter, so converting their output must give
the same model as converting the Hugging Face weights.
"""
import math
import re
from collections import OrderedDict

import pytest
import torch

transformers = pytest.importorskip('transformers')

# HF's tiny test configs (REFERENCE.md Sec. 6), patch 14 / 4 stages for the DA layout
DA_BACKBONE = dict(image_size=28, patch_size=14, hidden_size=16, num_hidden_layers=4,
                   num_attention_heads=2, intermediate_size=32, out_indices=[1, 2, 3, 4],
                   apply_layernorm=True, reshape_hidden_states=False)
DA_NECK = dict(reassemble_hidden_size=16, patch_size=14, neck_hidden_sizes=[4, 8, 16, 16],
               fusion_hidden_size=8, head_hidden_size=4)
DA_TINY_HF = dict(image_size=32, patch_size=16, hidden_size=4, num_hidden_layers=2,
                  num_attention_heads=2, intermediate_size=8, out_indices=[1, 2],
                  apply_layernorm=False, reshape_hidden_states=False)
DA_TINY_NECK = dict(reassemble_hidden_size=4, patch_size=16, neck_hidden_sizes=[2, 2],
                    fusion_hidden_size=6, reassemble_factors=[4, 2, 1, 0.5])
DINOV2 = dict(image_size=30, patch_size=2, hidden_size=32, num_hidden_layers=2,
              num_attention_heads=4)
DINOV3 = dict(image_size=32, patch_size=16, hidden_size=32, intermediate_size=48,
              num_hidden_layers=2, num_attention_heads=2, num_register_tokens=4,
              layerscale_value=1e-5)
DPT = dict(image_size=32, patch_size=16, hidden_size=32, num_hidden_layers=4,
           num_attention_heads=4, intermediate_size=37, backbone_out_indices=[0, 1, 2, 3],
           neck_hidden_sizes=[16, 16, 32, 32], fusion_hidden_size=16, readout_type='project')


def randomize(model: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """Give every parameter a random value (LayerScale, norms, biases, tokens included)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=g)
            if p.dim() > 1 and 'embeddings' not in name and 'token' not in name:
                p.copy_(noise / math.sqrt(p[0].numel()))
            elif name.endswith(('norm1.weight', 'norm2.weight', 'layernorm.weight',
                                'norm.weight', 'layernorm_before.weight',
                                'layernorm_after.weight')):
                p.copy_(1.0 + 0.3 * noise)
            else:
                p.copy_(0.3 * noise)
    return model.eval()


def hf_depth_anything(backbone=DA_BACKBONE, neck=DA_NECK, seed=0, **extra):
    from transformers import DepthAnythingConfig, DepthAnythingForDepthEstimation, Dinov2Config
    cfg = DepthAnythingConfig(backbone_config=Dinov2Config(**backbone), **neck, **extra)
    return randomize(DepthAnythingForDepthEstimation(cfg), seed)


def hf_dinov2(seed=0, **extra):
    from transformers import Dinov2Config, Dinov2Model
    return randomize(Dinov2Model(Dinov2Config(**dict(DINOV2, **extra))), seed)


def hf_dinov3(seed=0, **extra):
    from transformers import DINOv3ViTConfig, DINOv3ViTModel
    return randomize(DINOv3ViTModel(DINOv3ViTConfig(**dict(DINOV3, **extra))), seed)


def hf_dpt(seed=0, **extra):
    from transformers import DPTConfig, DPTForDepthEstimation
    return randomize(DPTForDepthEstimation(DPTConfig(**dict(DPT, **extra))), seed)


def _layers(state, pattern):
    out = {}
    for k in state:
        m = re.match(pattern, k)
        if m:
            out.setdefault(int(m.group(1)), {})[m.group(2)] = state[k]
    return out


def _block(dst, p, layer, qkv_bias_k=None, norms=('norm1', 'norm2')):
    """One HF layer (transformers 5 names) -> DINOv2/DINOv3/timm block keys."""
    for part in ('weight', 'bias'):
        if f'attention.q_proj.{part}' not in layer:
            continue
        k = layer.get(f'attention.k_proj.{part}')
        if k is None:
            k = qkv_bias_k if qkv_bias_k is not None else torch.zeros_like(
                layer[f'attention.q_proj.{part}'])
        dst[f'{p}attn.qkv.{part}'] = torch.cat(
            [layer[f'attention.q_proj.{part}'], k, layer[f'attention.v_proj.{part}']])
        dst[f'{p}attn.proj.{part}'] = layer[f'attention.o_proj.{part}']
        dst[f'{p}norm1.{part}'] = layer[f'{norms[0]}.{part}']
        dst[f'{p}norm2.{part}'] = layer[f'{norms[1]}.{part}']
        if f'mlp.gate_proj.{part}' in layer:
            dst[f'{p}mlp.w12.{part}'] = torch.cat(
                [layer[f'mlp.gate_proj.{part}'], layer[f'mlp.up_proj.{part}']])
            dst[f'{p}mlp.w3.{part}'] = layer[f'mlp.down_proj.{part}']
        elif f'mlp.fc1.{part}' in layer:
            dst[f'{p}mlp.fc1.{part}'] = layer[f'mlp.fc1.{part}']
            dst[f'{p}mlp.fc2.{part}'] = layer[f'mlp.fc2.{part}']
        else:  # DINOv3 plain MLP
            dst[f'{p}mlp.fc1.{part}'] = layer[f'mlp.up_proj.{part}']
            dst[f'{p}mlp.fc2.{part}'] = layer[f'mlp.down_proj.{part}']
    if 'layer_scale1.lambda1' in layer:
        dst[f'{p}ls1.gamma'] = layer['layer_scale1.lambda1']
        dst[f'{p}ls2.gamma'] = layer['layer_scale2.lambda1']


def dinov2_original(hf_state, src='', dst_prefix=''):
    """HF Dinov2 weights (under ``src``) -> DINOv2 hub keys (under ``dst_prefix``)."""
    s, d = hf_state, OrderedDict()
    d[dst_prefix + 'cls_token'] = s[src + 'embeddings.cls_token']
    d[dst_prefix + 'mask_token'] = s[src + 'embeddings.mask_token']
    d[dst_prefix + 'pos_embed'] = s[src + 'embeddings.position_embeddings']
    for part in ('weight', 'bias'):
        d[f'{dst_prefix}patch_embed.proj.{part}'] = s[
            f'{src}embeddings.patch_embeddings.projection.{part}']
    for i, layer in sorted(_layers(s, re.escape(src) + r'encoder\.layer\.(\d+)\.(.+)$').items()):
        _block(d, f'{dst_prefix}blocks.{i}.', layer)
    for part in ('weight', 'bias'):
        d[f'{dst_prefix}norm.{part}'] = s[f'{src}layernorm.{part}']
    return d


def _fusion_original(d, s, levels, scratch):
    """HF DPT fusion stage -> the original ``scratch.refinenet*`` (deepest first)."""
    for j in range(levels):
        ref, fus = f'{scratch}refinenet{levels - j}.', f'neck.fusion_stage.layers.{j}.'
        for part in ('weight', 'bias'):
            d[f'{ref}out_conv.{part}'] = s[f'{fus}projection.{part}']
            for u in (1, 2):
                for c in (1, 2):
                    d[f'{ref}resConfUnit{u}.conv{c}.{part}'] = s[
                        f'{fus}residual_layer{u}.convolution{c}.{part}']


def depth_anything_original(hf_state, levels):
    """HF DepthAnythingForDepthEstimation -> Depth Anything v2 ``pretrained.``/``depth_head.``."""
    s = hf_state
    d = dinov2_original(s, 'backbone.', 'pretrained.')
    h = 'depth_head.'
    for i in range(levels):
        for part in ('weight', 'bias'):
            d[f'{h}projects.{i}.{part}'] = s[f'neck.reassemble_stage.layers.{i}.projection.{part}']
            key = f'neck.reassemble_stage.layers.{i}.resize.{part}'
            if key in s:
                d[f'{h}resize_layers.{i}.{part}'] = s[key]
        d[f'{h}scratch.layer{i + 1}_rn.weight'] = s[f'neck.convs.{i}.weight']
    _fusion_original(d, s, levels, f'{h}scratch.')
    for part in ('weight', 'bias'):
        d[f'{h}scratch.output_conv1.{part}'] = s[f'head.conv1.{part}']
        d[f'{h}scratch.output_conv2.0.{part}'] = s[f'head.conv2.{part}']
        d[f'{h}scratch.output_conv2.2.{part}'] = s[f'head.conv3.{part}']
    return d


def dinov3_original(hf_state, base=100.0, seed=1):
    """HF DINOv3ViTModel -> DINOv3 hub keys; the key bias slot holds garbage, masked to 0."""
    s, d = hf_state, OrderedDict()
    g = torch.Generator().manual_seed(seed)
    d['cls_token'] = s['embeddings.cls_token']
    d['storage_tokens'] = s['embeddings.register_tokens']
    d['mask_token'] = s['embeddings.mask_token'][0]
    dim = d['cls_token'].shape[-1]
    d['patch_embed.proj.weight'] = s['embeddings.patch_embeddings.weight']
    d['patch_embed.proj.bias'] = s['embeddings.patch_embeddings.bias']
    layers = _layers(s, r'model\.layer\.(\d+)\.(.+)$')
    head_dim = dim // DINOV3['num_attention_heads']
    d['rope_embed.periods'] = base ** (2 * torch.arange(head_dim // 4) / (head_dim // 2))
    for i, layer in sorted(layers.items()):
        p = f'blocks.{i}.'
        _block(d, p, layer, qkv_bias_k=torch.randn(dim, generator=g))
        d[p + 'attn.qkv.bias_mask'] = torch.cat([torch.ones(dim), torch.zeros(dim),
                                                 torch.ones(dim)])
        if p + 'mlp.w12.weight' in d:  # DINOv3 stores the two SwiGLU halves apart
            for part in ('weight', 'bias'):
                w1, w2 = d.pop(f'{p}mlp.w12.{part}').chunk(2)
                d[f'{p}mlp.w1.{part}'], d[f'{p}mlp.w2.{part}'] = w1, w2
    d['norm.weight'], d['norm.bias'] = s['norm.weight'], s['norm.bias']
    return d


def midas_original(hf_state, levels=4):
    """HF DPTForDepthEstimation -> MiDaS keys (``pretrained.model.``, ``scratch.`` ...)."""
    s, d = hf_state, OrderedDict()
    v = 'pretrained.model.'
    d[v + 'cls_token'] = s['dpt.embeddings.cls_token']
    d[v + 'pos_embed'] = s['dpt.embeddings.position_embeddings']
    for part in ('weight', 'bias'):
        d[f'{v}patch_embed.proj.{part}'] = s[f'dpt.embeddings.patch_embeddings.projection.{part}']
    renamed = {}
    for k, t in s.items():  # legacy DPT ViT names -> transformers 5 Dinov2-style names
        k = k.replace('attention.attention.query', 'attention.q_proj').replace(
            'attention.attention.key', 'attention.k_proj').replace(
            'attention.attention.value', 'attention.v_proj').replace(
            'attention.output.dense', 'attention.o_proj').replace(
            'intermediate.dense', 'mlp.fc1').replace('.output.dense', '.mlp.fc2')
        renamed[k] = t
    for i, layer in sorted(_layers(renamed, r'dpt\.encoder\.layer\.(\d+)\.(.+)$').items()):
        _block(d, f'{v}blocks.{i}.', layer, norms=('layernorm_before', 'layernorm_after'))
    d[v + 'norm.weight'], d[v + 'norm.bias'] = s['dpt.layernorm.weight'], s['dpt.layernorm.bias']
    d[v + 'head.weight'] = torch.randn(10, d[v + 'cls_token'].shape[-1])  # timm classifier
    d[v + 'head.bias'] = torch.randn(10)
    for i in range(levels):
        a = f'pretrained.act_postprocess{i + 1}.'
        for part in ('weight', 'bias'):
            d[f'{a}0.project.0.{part}'] = s[f'neck.reassemble_stage.readout_projects.{i}.0.{part}']
            d[f'{a}3.{part}'] = s[f'neck.reassemble_stage.layers.{i}.projection.{part}']
            key = f'neck.reassemble_stage.layers.{i}.resize.{part}'
            if key in s:
                d[f'{a}4.{part}'] = s[key]
        d[f'scratch.layer{i + 1}_rn.weight'] = s[f'neck.convs.{i}.weight']
    _fusion_original(d, s, levels, 'scratch.')
    for part in ('weight', 'bias'):
        for n in (0, 2, 4):
            d[f'scratch.output_conv.{n}.{part}'] = s[f'head.head.{n}.{part}']
    return d


def legacy_hf_names(state):
    """transformers 5 Dinov2 names -> the names of files written by transformers 4."""
    out = OrderedDict()
    for k, t in state.items():
        k2 = k.replace('attention.q_proj', 'attention.attention.query').replace(
            'attention.k_proj', 'attention.attention.key').replace(
            'attention.v_proj', 'attention.attention.value').replace(
            'attention.o_proj', 'attention.output.dense')
        if '.mlp.gate_proj.' in k:
            up = state[k.replace('gate_proj', 'up_proj')]
            out[k.replace('mlp.gate_proj', 'mlp.weights_in')] = torch.cat([t, up])
            continue
        if '.mlp.up_proj.' in k and k.replace('up_proj', 'gate_proj') in state:
            continue
        out[k2.replace('mlp.down_proj', 'mlp.weights_out')] = t
    return out


def test_randomize_touches_every_parameter():
    model = hf_depth_anything()
    fresh = type(model)(model.config)
    for (name, p), (_, q) in zip(model.named_parameters(), fresh.named_parameters()):
        assert not torch.equal(p, q), name  # nothing keeps its default initialisation
        if p.numel() > 1:
            assert p.std() > 0, name
    lambdas = [p for n, p in model.named_parameters() if 'lambda1' in n]
    assert lambdas and all(not torch.allclose(p, torch.ones_like(p)) for p in lambdas)


def test_original_layouts_have_the_documented_keys():
    da = depth_anything_original(hf_depth_anything().state_dict(), 4)
    assert 'pretrained.blocks.3.attn.qkv.weight' in da and 'pretrained.blocks.0.ls1.gamma' in da
    assert 'depth_head.scratch.refinenet4.resConfUnit1.conv1.weight' in da
    assert 'depth_head.scratch.output_conv2.2.weight' in da
    assert 'depth_head.resize_layers.2.weight' not in da  # the factor-1 level is an Identity
    v3 = dinov3_original(hf_dinov3(use_gated_mlp=True, hidden_act='silu').state_dict())
    assert {'storage_tokens', 'rope_embed.periods', 'blocks.1.attn.qkv.bias_mask',
            'blocks.1.mlp.w1.weight', 'blocks.1.mlp.w3.weight'} <= set(v3)
    midas = midas_original(hf_dpt().state_dict())
    assert {'pretrained.model.blocks.3.attn.qkv.weight', 'pretrained.act_postprocess4.4.weight',
            'pretrained.act_postprocess1.0.project.0.weight', 'scratch.output_conv.4.bias'
            } <= set(midas)
