"""Backbone key mappings of every ViT source onto :class:`PlainViT`.

Ours (DINOv2 names): ``cls_token``, ``pos_embed``, ``register_tokens``,
``patch_embed.proj``, ``blocks.i.{norm1, attn.qkv, attn.proj, ls1.gamma, norm2, mlp.fc1,
mlp.fc2 | mlp.w12, mlp.w3, ls2.gamma}``, ``norm``.

- DINOv2 hub / Depth Anything ``pretrained.`` / MiDaS ``pretrained.model.`` (timm):
  the same names (chunked ``blocks.c.i`` flattened); ``mask_token`` and the timm
  classifier ``head`` dropped; MiDaS' final ``norm`` dropped (DPT reads the blocks before it).
- DINOv3: ``storage_tokens`` -> ``register_tokens``; ``qkv.bias`` times ``qkv.bias_mask``
  (key bias zero); ``mlp.w1``, ``mlp.w2`` -> ``mlp.w12`` (concatenated), ``mlp.w3``;
  ``rope_embed.periods`` checked against ``rope_base`` and dropped (recomputed).
- Hugging Face (``Dinov2Model``, ``DINOv3ViTModel``, the ``DPT`` ViT; transformers 5 names
  and the older ones): ``embeddings.{cls_token, position_embeddings, register_tokens,
  patch_embeddings[.projection]}``; per layer ``{q,k,v}_proj`` (``attention.attention.
  {query,key,value}``) concatenated into ``qkv`` (a missing key bias is zero),
  ``o_proj`` (``attention.output.dense``) -> ``attn.proj``, ``norm1/2``
  (``layernorm_before/after``), ``layer_scale{1,2}.lambda1`` -> ``ls{1,2}.gamma``,
  ``fc1/fc2`` (``intermediate.dense``/``output.dense``; DINOv3 ``up_proj/down_proj``),
  SwiGLU ``gate_proj + up_proj`` (``weights_in``) -> ``w12``, ``down_proj``
  (``weights_out``) -> ``w3``; final ``layernorm``/``norm`` -> ``norm`` (dropped for DPT).
"""
from __future__ import annotations

import math
import re
from collections import OrderedDict
from typing import Any, Dict, List, Mapping, Optional

import torch
from torch import Tensor

from .common import ConversionError, ConversionReport, clone_tensor

__all__ = ['KeyMapper', 'map_dinov2_backbone', 'map_dinov3_backbone', 'map_hf_backbone',
           'infer_backbone']


class KeyMapper:
    """Collects converted tensors and records every source key as loaded or dropped.

    Args:
        state (Mapping[str, Tensor]): Source state dict.
        report (ConversionReport): Filled in place.
    """

    def __init__(self, state: Mapping[str, Tensor], report: ConversionReport):
        self.state = state
        self.report = report
        self.out: OrderedDict[str, Tensor] = OrderedDict()
        self.used: set = set()
        self.unknown: List[str] = []

    def keys(self, prefix: str = '') -> List[str]:
        """Source keys under ``prefix`` not handled yet."""
        return [k for k in self.state if k.startswith(prefix) and k not in self.used]

    def put(self, dst: str, tensor: Tensor, *srcs: str) -> None:
        """Write ``dst`` from ``srcs``."""
        self.out[dst] = clone_tensor(tensor)
        self.report.converted[dst] = ' + '.join(srcs)
        self.used.update(srcs)

    def copy(self, src: str, dst: str) -> None:
        """Copy one key."""
        self.put(dst, self.state[src], src)

    def drop(self, src: str, reason: str) -> None:
        """Leave ``src`` out, saying why."""
        self.used.add(src)
        self.report.dropped[src] = reason

    def fail_on_unknown(self, what: str) -> None:
        """Raise if some keys matched no rule (a variant this converter does not know).

        Source keys not handled at all, and keys that landed on a name PlainViT does not
        have (e.g. a QK-norm under ``blocks.``), count as unknown.
        """
        for dst in [k for k in self.out if k.startswith('backbone.')
                    and not _PLAIN_VIT_KEY.match(k[len('backbone.'):])]:
            self.unknown += self.report.converted.pop(dst).split(' + ')
            del self.out[dst]
        self.unknown += [k for k in self.keys() if k not in self.unknown]
        if self.unknown:
            raise ConversionError(f'{what}: {len(self.unknown)} keys of an unsupported variant '
                                  '(or a wrong --format)',
                                  [f'{k} {list(self.state[k].shape)}' for k in self.unknown])


_PLAIN_VIT_KEY = re.compile(
    r'^(cls_token|pos_embed|register_tokens|patch_embed\.proj\.(weight|bias)|norm\.(weight|bias)'
    r'|blocks\.\d+\.((norm[12]|attn\.qkv|attn\.proj|mlp\.(fc1|fc2|w12|w3))\.(weight|bias)'
    r'|ls[12]\.gamma))$')
_DINO_KEEP = ('cls_token', 'pos_embed', 'register_tokens', 'patch_embed.proj.', 'blocks.',
              'norm.')
_CHUNKED = re.compile(r'^blocks\.\d+\.(\d+)\.(.+)$')


def map_dinov2_backbone(m: KeyMapper, prefix: str, out: str = 'backbone.',
                        final_norm: bool = True) -> None:
    """DINOv2 hub, Depth Anything ``pretrained.`` and MiDaS timm ``pretrained.model.``."""
    for key in m.keys(prefix):
        rest = key[len(prefix):]
        chunked = _CHUNKED.match(rest)
        if chunked:
            rest = f'blocks.{chunked.group(1)}.{chunked.group(2)}'
        if rest == 'mask_token':
            m.drop(key, 'mask token (masked-image pre-training only)')
        elif rest.startswith(('head.', 'fc_norm.', 'pre_logits.')):
            m.drop(key, 'ImageNet classifier of the timm ViT')
        elif rest.startswith('norm.') and not final_norm:
            m.drop(key, 'final norm, unused: the outputs are taken before it')
        elif rest.startswith('patch_embed.backbone.'):
            raise ConversionError('a ViT-hybrid (ResNet stem) checkpoint, e.g. DPT-Hybrid: '
                                  'not supported, only plain ViTs')
        elif rest.startswith(_DINO_KEEP):
            m.copy(key, out + rest)
        else:
            m.unknown.append(key)


def _rope_base(periods: Tensor) -> Optional[float]:
    """The base of ``periods = base ** (2k / (D / 2))`` (D = 4 * len(periods))."""
    d4 = periods.numel()
    if d4 < 2:
        return None
    return float(periods[1].double() ** d4)


def map_dinov3_backbone(m: KeyMapper, prefix: str = '', out: str = 'backbone.') -> dict:
    """DINOv3 hub files. Returns facts for the backbone config (``k_bias``, ``rope_base``)."""
    facts: Dict[str, Any] = {}
    if any(k.startswith((prefix + 'local_cls_norm', prefix + 'cls_norm')) for k in m.state):
        raise ConversionError('DINOv3 with untied cls/patch norms (ViT-7B) is not supported')
    periods = m.state.get(prefix + 'rope_embed.periods')
    if periods is not None:
        base = _rope_base(periods)
        d4 = periods.numel()
        expect = base ** (2 * torch.arange(d4, dtype=torch.float64) / (2 * d4)) if base else None
        if expect is None or not torch.allclose(periods.double(), expect, rtol=1e-5):
            raise ConversionError(f'{prefix}rope_embed.periods are not base ** (2k / (D/2)) '
                                  '(min/max-period RoPE is not supported)')
        facts.update(rope_base=round(base, 6), head_dim=4 * d4)
        m.drop(prefix + 'rope_embed.periods', f'RoPE periods, recomputed from rope_base={base:g}')
    k_bias = True
    for key in m.keys(prefix):
        rest = key[len(prefix):]
        if rest == 'storage_tokens' and m.state[key].numel() == 0:
            m.drop(key, 'empty (no register tokens)')
        elif rest == 'storage_tokens':
            m.copy(key, out + 'register_tokens')
        elif rest == 'mask_token':
            m.drop(key, 'mask token (masked-image pre-training only)')
        elif rest.endswith('attn.qkv.bias_mask'):
            continue  # applied with the bias below
        elif rest.endswith('attn.qkv.bias'):
            mask_key = key + '_mask'
            bias = m.state[key]
            if mask_key in m.state:
                mask = m.state[mask_key].to(bias.dtype)
                c = bias.numel() // 3
                if not (torch.all(mask[:c] == 1) and torch.all(mask[2 * c:] == 1)
                        and (torch.all(mask[c:2 * c] == 0) or torch.all(mask[c:2 * c] == 1))):
                    raise ConversionError(f'{mask_key}: only a masked key bias is supported')
                k_bias = bool(torch.all(mask[c:2 * c] == 1))
                m.put(out + rest, bias * mask, key, mask_key)
            else:
                m.copy(key, out + rest)
        elif re.search(r'\.mlp\.w[12]\.(weight|bias)$', rest):
            if '.w1.' in rest:
                w2 = key.replace('.w1.', '.w2.')
                m.put(out + rest.replace('.w1.', '.w12.'),
                      torch.cat([m.state[key], m.state[w2]], dim=0), key, w2)
        elif rest.startswith(_DINO_KEEP) or rest == 'cls_token':
            m.copy(key, out + rest)
        else:
            m.unknown.append(key)
    facts['k_bias'] = k_bias
    return facts


_HF_LAYER = re.compile(r'^(?:encoder|model)\.layer\.(\d+)\.(.+)$')
_HF_QKV = {'q': ('attention.q_proj', 'attention.attention.query'),
           'k': ('attention.k_proj', 'attention.attention.key'),
           'v': ('attention.v_proj', 'attention.attention.value')}
_HF_RENAME = {
    'attention.o_proj': 'attn.proj', 'attention.output.dense': 'attn.proj',
    'norm1': 'norm1', 'norm2': 'norm2', 'layernorm_before': 'norm1', 'layernorm_after': 'norm2',
    'layer_scale1.lambda1': 'ls1.gamma', 'layer_scale2.lambda1': 'ls2.gamma',
    'mlp.fc1': 'mlp.fc1', 'mlp.fc2': 'mlp.fc2', 'intermediate.dense': 'mlp.fc1',
    'output.dense': 'mlp.fc2', 'mlp.weights_in': 'mlp.w12', 'mlp.weights_out': 'mlp.w3',
}


def _hf_layer(m: KeyMapper, layer: Dict[str, str], i: int, out: str) -> None:
    """Map one Hugging Face layer (``layer``: local name -> full key)."""
    dst = f'{out}blocks.{i}.'
    for part in ('weight', 'bias'):
        found = {}
        for name, options in _HF_QKV.items():
            for opt in options:
                if f'{opt}.{part}' in layer:
                    found[name] = layer.pop(f'{opt}.{part}')
        if not found:
            continue
        if part == 'weight' and len(found) != 3:
            raise ConversionError(f'layer {i}: query/key/value weights incomplete {found}')
        like = m.state[found['q']]
        pieces = [m.state[found[n]] if n in found else torch.zeros_like(like) for n in 'qkv']
        m.put(dst + f'attn.qkv.{part}', torch.cat(pieces, dim=0), *found.values())
    gated = any(k.startswith('mlp.gate_proj.') for k in layer)
    for part in ('weight', 'bias'):
        if gated and f'mlp.gate_proj.{part}' in layer:
            g, u = layer.pop(f'mlp.gate_proj.{part}'), layer.pop(f'mlp.up_proj.{part}')
            m.put(dst + f'mlp.w12.{part}', torch.cat([m.state[g], m.state[u]], dim=0), g, u)
        if f'mlp.down_proj.{part}' in layer:
            m.copy(layer.pop(f'mlp.down_proj.{part}'), dst + f'mlp.{"w3" if gated else "fc2"}.'
                   + part)
        if not gated and f'mlp.up_proj.{part}' in layer:
            m.copy(layer.pop(f'mlp.up_proj.{part}'), dst + f'mlp.fc1.{part}')
    for local, key in layer.items():
        stem, _, part = local.rpartition('.')
        if stem in _HF_RENAME:
            m.copy(key, dst + _HF_RENAME[stem] + '.' + part)
        elif local in _HF_RENAME:  # layer_scale*.lambda1 has no .weight suffix
            m.copy(key, dst + _HF_RENAME[local])
        else:
            m.unknown.append(key)


def map_hf_backbone(m: KeyMapper, prefix: str, out: str = 'backbone.',
                    final_norm: bool = True) -> None:
    """Hugging Face ``Dinov2Model`` / ``DINOv3ViTModel`` / DPT ViT keys under ``prefix``."""
    layers: Dict[int, Dict[str, str]] = {}
    emb = {'embeddings.cls_token': 'cls_token', 'embeddings.position_embeddings': 'pos_embed',
           'embeddings.register_tokens': 'register_tokens'}
    for key in m.keys(prefix):
        rest = key[len(prefix):]
        layer = _HF_LAYER.match(rest)
        if layer:
            layers.setdefault(int(layer.group(1)), {})[layer.group(2)] = key
        elif rest in emb and m.state[key].numel() == 0:
            m.drop(key, 'empty (no register tokens)')
        elif rest in emb:
            m.copy(key, out + emb[rest])
        elif rest == 'embeddings.mask_token':
            m.drop(key, 'mask token (masked-image pre-training only)')
        elif rest.startswith('embeddings.patch_embeddings.'):
            m.copy(key, out + 'patch_embed.proj.' + rest.rpartition('.')[2])
        elif rest.startswith(('layernorm.', 'norm.')):
            if final_norm:
                m.copy(key, out + 'norm.' + rest.rpartition('.')[2])
            else:
                m.drop(key, 'final norm, unused: the outputs are taken before it')
        elif rest.startswith(('pooler.', 'rope_embeddings.')):
            m.drop(key, 'pooler / RoPE buffer, not part of the dense encoder')
        else:
            m.unknown.append(key)
    for i in sorted(layers):
        _hf_layer(m, layers[i], i, out)


def infer_backbone(out: Mapping[str, Tensor], prefix: str = 'backbone.',
                   num_heads: Optional[int] = None) -> Dict[str, Any]:
    """PlainViT arch fields read from converted weights (``num_heads`` from elsewhere)."""
    get = {k[len(prefix):]: v for k, v in out.items() if k.startswith(prefix)}
    if 'cls_token' not in get or 'patch_embed.proj.weight' not in get:
        raise ConversionError('the backbone matched nothing: no cls_token / patch embedding')
    dim = int(get['cls_token'].shape[-1])
    layers = 1 + max(int(k.split('.')[1]) for k in get if k.startswith('blocks.'))
    patch = int(get['patch_embed.proj.weight'].shape[-1])
    swiglu = 'blocks.0.mlp.w12.weight' in get
    ffn = (get['blocks.0.mlp.w12.weight'].shape[0] // 2 if swiglu
           else get['blocks.0.mlp.fc1.weight'].shape[0])
    arch: Dict[str, Any] = dict(embed_dims=dim, num_layers=layers,
                                num_heads=num_heads or max(dim // 64, 1),
                                ffn_channels=int(ffn), ffn_type='swiglu' if swiglu else 'mlp',
                                patch_size=patch)
    if 'pos_embed' in get:
        grid = int(math.isqrt(get['pos_embed'].shape[1] - 1))
        arch.update(pos_embed='learned', img_size=grid * patch)
    else:
        arch.update(pos_embed='rope')
    arch['num_register_tokens'] = int(get['register_tokens'].shape[1]) if (
        'register_tokens' in get) else 0
    arch['layer_scale'] = 1.0 if 'blocks.0.ls1.gamma' in get else None
    arch['final_norm'] = 'norm.weight' in get
    return arch
