"""ViT checkpoints (Depth Anything, DINOv2, DINOv3, MiDaS DPT, Hugging Face) -> ours.

The output is an mmseg-style state dict: the encoder under ``backbone.``
(:class:`~mmdepthpretrain.models.PlainViT`), the DPT head under ``decode_head.``
(:class:`~mmdepthpretrain.models.DepthAnythingHead` /
:class:`~mmdepthpretrain.models.DepthAnythingSegHead`). Modes:

- ``backbone``: the encoder only (any source);
- ``depth``: encoder + depth head, for a depth model that reproduces the source's output;
- ``seg-full``: encoder + DPT decoder without the depth output conv, for a segmentation
  model in which only the classifier starts fresh (setup b).

The report's ``backbone config`` / ``head config`` say which arguments reproduce the
source (the position-embedding convention ``pos_interp`` differs by source even for the
same weights, REFERENCE.md Sec. 6). Depth Anything 3 is not supported: the layout of its
DPT head (with the sky branch) could not be established from public sources.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Dict, Mapping, Optional, Tuple

from torch import Tensor, nn

from .common import IMAGENET_NORMALISATION, ConversionError, ConversionReport, apply_model_check
from .common import first_keys as _first_keys
from .vit_backbone_keys import (
    KeyMapper,
    infer_backbone,
    map_dinov2_backbone,
    map_dinov3_backbone,
    map_hf_backbone,
)
from .vit_head_keys import infer_head, map_da_head, map_hf_head, map_midas_head

__all__ = ['VIT_FORMATS', 'VIT_MODES', 'detect_vit_format', 'vit_to_mmdp',
           'MIDAS_NORMALISATION']

VIT_MODES = ('backbone', 'depth', 'seg-full')
# (x - 0.5) / 0.5 in mmseg's 0-255 units (MiDaS / Hugging Face DPT image processors)
MIDAS_NORMALISATION = dict(mean=[127.5] * 3, std=[127.5] * 3)

#: format -> (description, has a depth head, pos_interp, licence)
VIT_FORMATS: Dict[str, Tuple[str, bool, Optional[str], str]] = {
    'depth_anything': ('Depth Anything v1/v2 original (pretrained.*, depth_head.*)', True,
                       'dinov2', 'v2 Small Apache-2.0, v2 Base/Large/Giant CC-BY-NC-4.0; '
                       'v1: see its release'),
    'dinov2': ('DINOv2 hub file (cls_token, pos_embed, blocks.*)', False, 'dinov2',
               'Apache-2.0'),
    'dinov3': ('DINOv3 hub file (storage_tokens, rope_embed.periods, blocks.*)', False, None,
               'DINOv3 License'),
    'midas_dpt': ('MiDaS DPT original (pretrained.model.*, pretrained.act_postprocess*, '
                  'scratch.*)', True, 'bilinear', 'MIT'),
    'hf_depth_anything': ('Hugging Face DepthAnythingForDepthEstimation (backbone.embeddings.*,'
                          ' neck.*, head.conv*)', True, 'hf', 'as the original model'),
    'hf_dinov2': ('Hugging Face Dinov2Model (embeddings.position_embeddings, encoder.layer.*)',
                  False, 'hf', 'Apache-2.0'),
    'hf_dinov3': ('Hugging Face DINOv3ViTModel (embeddings.register_tokens, model.layer.*)',
                  False, None, 'DINOv3 License'),
    'hf_dpt': ('Hugging Face DPTForDepthEstimation (dpt.embeddings.*, neck.*, head.head.*)',
               True, 'bilinear', 'MIT (MiDaS)'),
}
_HF_ARCHS = {'DepthAnythingForDepthEstimation': 'hf_depth_anything', 'Dinov2Model': 'hf_dinov2',
             'Dinov2WithRegistersModel': 'hf_dinov2',
             'DINOv3ViTModel': 'hf_dinov3', 'DPTForDepthEstimation': 'hf_dpt'}


def _any(state: Mapping, *prefixes: str) -> bool:
    return any(k.startswith(prefixes) for k in state)


def detect_vit_format(state: Mapping[str, Tensor], hf_config: Optional[dict] = None) -> str:
    """Name the source format from the keys (a Hugging Face ``config.json`` may settle it).

    Raises:
        ConversionError: Unknown layout; the message lists the first keys and the formats.
    """
    for arch in (hf_config or {}).get('architectures') or []:
        if arch in _HF_ARCHS:
            return _HF_ARCHS[arch]
    if _any(state, 'pretrained.model.') and _any(state, 'scratch.'):
        return 'midas_dpt'
    if _any(state, 'pretrained.') and _any(state, 'depth_head.'):
        return 'depth_anything'
    if 'storage_tokens' in state or 'rope_embed.periods' in state:
        return 'dinov3'
    if 'cls_token' in state and _any(state, 'blocks.') and 'pos_embed' in state:
        return 'dinov2'
    if _any(state, 'backbone.embeddings.') and _any(state, 'neck.'):
        return 'hf_depth_anything'
    if _any(state, 'dpt.embeddings.'):
        return 'hf_dpt'
    if _any(state, 'model.layer.') and _any(state, 'embeddings.patch_embeddings.'):
        return 'hf_dinov3'
    if _any(state, 'embeddings.position_embeddings', 'dinov2.embeddings.'):
        return 'hf_dinov2'
    known = '\n'.join(f'  {k}: {v[0]}' for k, v in VIT_FORMATS.items())
    hint = (' It looks like a converted checkpoint already (backbone.blocks.*).'
            if _any(state, 'backbone.blocks.') else '')
    first = ', '.join(f'{k} {list(v.shape)}' for k, v in list(state.items())[:8])
    raise ConversionError(f'vit_to_mmdp: unknown key layout ({len(state)} keys, first: {first}; '
                          f'groups: {_first_keys(state)}).'
                          f'{hint} Known formats (--format):\n{known}\n(Depth Anything 3 is '
                          'not supported.)')


def _hf_facts(fmt: str, cfg: Optional[dict]) -> Dict[str, Any]:
    """Arguments only a Hugging Face config knows (heads, eps, out_indices)."""
    if not cfg:
        return {}
    bb = cfg.get('backbone_config') or cfg
    facts: Dict[str, Any] = {}
    if 'num_attention_heads' in bb:
        facts['num_heads'] = int(bb['num_attention_heads'])
    if 'layer_norm_eps' in bb:
        facts['norm_eps'] = float(bb['layer_norm_eps'])
    if fmt == 'hf_depth_anything' and bb.get('out_indices'):
        facts['out_indices'] = [int(i) - 1 for i in bb['out_indices']]
        facts['final_norm'] = bool(bb.get('apply_layernorm', True))
    if fmt == 'hf_dpt' and cfg.get('backbone_out_indices'):
        facts['out_indices'] = [int(i) for i in cfg['backbone_out_indices']]
    if fmt == 'hf_dpt' and cfg.get('is_hybrid'):
        raise ConversionError('DPT-Hybrid (is_hybrid) is not supported, only plain ViTs')
    if fmt == 'hf_depth_anything' and cfg.get('depth_estimation_type') == 'metric':
        facts['max_depth'] = float(cfg.get('max_depth') or 1)
    if fmt == 'hf_dinov3' and 'rope_theta' in cfg:
        facts['rope_base'] = float(cfg['rope_theta'])
    gated = bb.get('use_gated_mlp') or bb.get('use_swiglu_ffn')
    act = bb.get('hidden_act', 'gelu')
    expected = 'silu' if gated and fmt == 'hf_dinov3' else 'gelu'
    if not (gated and fmt != 'hf_dinov3') and act != expected:
        raise ConversionError(f'hidden_act {act!r} is not supported here (PlainViT has GELU '
                              'MLPs and SiLU-gated SwiGLU)')
    return facts


def _da_out_indices(layers: int, name: str) -> list:
    v2 = {12: [2, 5, 8, 11], 24: [4, 11, 17, 23], 40: [9, 19, 29, 39]}
    if 'v2' in name.lower() and layers in v2:
        return v2[layers]
    return list(range(layers - 4, layers))


def vit_to_mmdp(state_dict: Mapping, fmt: Optional[str] = None, mode: Optional[str] = None,
                model: Optional[nn.Module] = None, hf_config: Optional[dict] = None,
                name: str = '') -> Tuple[OrderedDict[str, Tensor], ConversionReport]:
    """Convert a ViT checkpoint to our backbone (and DPT head).

    Args:
        state_dict (Mapping): The source tensors (already unwrapped).
        fmt (str, optional): One of :data:`VIT_FORMATS`; None detects it. Defaults to None.
        mode (str, optional): One of :data:`VIT_MODES`; None means ``'depth'`` for sources
            with a depth head and ``'backbone'`` for the others. Defaults to None.
        model (nn.Module, optional): Target model to check keys and shapes against.
            Defaults to None.
        hf_config (dict, optional): ``config.json`` of a Hugging Face folder.
            Defaults to None.
        name (str): Source file name (tells Depth Anything v2 from v1 for ``out_indices``).
            Defaults to ''.

    Returns:
        tuple: ``(state_dict, report)``.

    Raises:
        ConversionError: Unknown layout or mode, a mode the source has no head for, keys of
            an unsupported variant, or weights that do not fit ``model`` (shapes listed).
    """
    fmt = fmt or detect_vit_format(state_dict, hf_config)
    if fmt not in VIT_FORMATS:
        raise ConversionError(f'vit_to_mmdp: format must be one of {list(VIT_FORMATS)}, '
                              f'got {fmt!r}')
    desc, has_head, pos_interp, licence = VIT_FORMATS[fmt]
    mode = mode or ('depth' if has_head else 'backbone')
    if mode not in VIT_MODES:
        raise ConversionError(f'vit_to_mmdp: mode must be one of {VIT_MODES}, got {mode!r}')
    if mode != 'backbone' and not has_head:
        raise ConversionError(f'vit_to_mmdp: a {fmt} file has no depth head; use --mode '
                              'backbone')
    report = ConversionReport(converter='vit_to_mmdp', mode=mode)
    report.info['format'] = f'{fmt}: {desc}'
    m = KeyMapper(state_dict, report)
    facts = _hf_facts(fmt, hf_config)
    if fmt in ('depth_anything', 'dinov2'):
        map_dinov2_backbone(m, 'pretrained.' if fmt == 'depth_anything' else '')
    elif fmt == 'midas_dpt':
        map_dinov2_backbone(m, 'pretrained.model.', final_norm=False)
    elif fmt == 'dinov3':
        facts.update(map_dinov3_backbone(m))
    else:
        prefix = {'hf_depth_anything': 'backbone.', 'hf_dpt': 'dpt.'}.get(fmt, '')
        if fmt == 'hf_dinov2' and _any(state_dict, 'dinov2.'):
            prefix = 'dinov2.'
        final = facts.get('final_norm', True) and fmt != 'hf_dpt'
        map_hf_backbone(m, prefix, final_norm=final)
    if not m.out:
        raise ConversionError(f'vit_to_mmdp: the encoder matched nothing: the keys do not look '
                              f'like a {fmt} file ({_first_keys(state_dict)}); leave out '
                              '--format to recognise the layout')
    if has_head:
        if mode == 'backbone':
            for prefix in ('depth_head.', 'scratch.', 'pretrained.act_postprocess', 'neck.',
                           'head.'):
                for key in m.keys(prefix):
                    m.drop(key, 'depth head, not transferred in backbone mode')
        elif fmt == 'depth_anything':
            map_da_head(m, mode=mode)
        elif fmt == 'midas_dpt':
            map_midas_head(m, mode=mode)
        else:
            map_hf_head(m, 'da' if fmt == 'hf_depth_anything' else 'dpt', mode=mode)
    m.fail_on_unknown(f'vit_to_mmdp ({fmt})')
    _describe(report, m.out, fmt, facts, pos_interp, licence, name, mode)
    apply_model_check(m.out, report, model)
    return m.out, report


def _describe(report: ConversionReport, out: Mapping[str, Tensor], fmt: str, facts: dict,
              pos_interp: Optional[str], licence: str, name: str, mode: str) -> None:
    """Fill the report with the configs that reproduce the source."""
    num_heads = facts.get('num_heads')
    if num_heads is None and 'head_dim' in facts:
        num_heads = int(out['backbone.cls_token'].shape[-1]) // facts['head_dim']
    arch = infer_backbone(out, num_heads=num_heads)
    if arch['num_register_tokens'] and fmt in ('dinov2', 'hf_dinov2'):
        pos_interp = 'dinov2_reg'  # DINOv2 with registers: no offset, antialiased
    arch['pos_interp'] = pos_interp
    for key in ('norm_eps', 'rope_base', 'k_bias'):
        if key in facts:
            arch[key] = facts[key]
    if fmt in ('dinov3', 'hf_dinov3'):
        arch.setdefault('k_bias', False)
        arch.setdefault('norm_eps', 1e-5)
    else:
        arch.setdefault('norm_eps', 1e-6)
    if 'final_norm' in facts:
        arch['final_norm'] = facts['final_norm']
    layers = arch['num_layers']
    if 'out_indices' in facts:
        out_indices = facts['out_indices']
    elif fmt == 'depth_anything':
        out_indices = _da_out_indices(layers, name)
        report.notes.append('Depth Anything v2 takes blocks [2,5,8,11] (S/B), [4,11,17,23] (L), '
                            '[9,19,29,39] (G); v1 the last four: check out_indices')
        report.notes.append('metric Depth Anything v2 files (depth_anything_v2_metric_*) have '
                            'the same keys: set the head max_depth (20 Hypersim, 80 VKITTI)')
    elif fmt == 'midas_dpt':
        out_indices = [layers // 4 - 1, layers // 2 - 1, 3 * layers // 4 - 1, layers - 1]
    else:
        out_indices = [layers - 1]
    has_head = mode != 'backbone'
    head = infer_head(out) if has_head else None
    readout = 'cls_token' if head and head['readout_type'] != 'ignore' else 'ignore'
    report.info['backbone config'] = dict(type='PlainViT', arch=arch, out_indices=out_indices,
                                          readout=readout)
    if head:
        head.update(patch_size=arch['patch_size'],
                    fusion_resize='scale' if fmt == 'hf_dpt' else 'size')
        if 'max_depth' in facts:
            head['max_depth'] = facts['max_depth']
        head_type = 'DepthAnythingHead' if mode == 'depth' else 'DepthAnythingSegHead'
        report.info['head config'] = dict(type=head_type, **head)
    norm = MIDAS_NORMALISATION if fmt in ('midas_dpt', 'hf_dpt') else IMAGENET_NORMALISATION
    report.info['normalisation'] = norm
    report.info['licence'] = licence
    report.notes.append(f'normalise inputs with mean={norm["mean"]}, std={norm["std"]} '
                        '(data_preprocessor), sides multiples of the patch size')
    if 'num_heads' not in facts and 'head_dim' not in facts:
        report.notes.append(f'num_heads is not stored in the weights: assumed embed_dims / 64 '
                            f'= {arch["num_heads"]} (true for the released models)')
    report.fresh_hint = {'backbone': 'the whole decode head',
                         'depth': 'nothing (the whole depth model is converted)',
                         'seg-full': 'the classifier (decode_head.conv_seg.*)'}[mode]
