"""DPT head key mappings onto :class:`DepthAnythingHead` (table in its module docstring).

Depth Anything (``depth_head.``), MiDaS (``scratch.``, ``pretrained.act_postprocess{k}``)
and Hugging Face (``neck.``, ``head.``) DPT heads. The deepest fusion block's first
residual unit exists in every source but has no input there; it is dropped. In
``seg-full`` mode the depth output conv is dropped (the classifier starts fresh).
"""
from __future__ import annotations

import re
from typing import Any, Dict, Mapping

from torch import Tensor

from .common import ConversionError
from .vit_backbone_keys import KeyMapper

__all__ = ['map_da_head', 'map_midas_head', 'map_hf_head', 'infer_head']

DEC = 'decode_head.decoder.'
UNUSED_RCU = ('residual unit of the deepest fusion block, which has no lateral input '
              '(unused by the source too)')
DEPTH_OUT_DROPPED = 'depth output conv; the segmentation classifier (conv_seg) starts fresh'
_RN = re.compile(r'^scratch\.layer(\d)_rn\.weight$')
_REFINE = re.compile(r'^scratch\.refinenet(\d)\.(out_conv|resConfUnit(\d)\.conv(\d))\.'
                     r'(weight|bias)$')


def _depth_out(m: KeyMapper, key: str, mode: str) -> None:
    if mode == 'seg-full':
        m.drop(key, DEPTH_OUT_DROPPED)
    else:
        m.copy(key, 'decode_head.conv_depth.' + key.rpartition('.')[2])


def _scratch(m: KeyMapper, prefix: str, rest: str, key: str, levels: int) -> bool:
    """``scratch.layer{k}_rn`` and ``scratch.refinenet{k}``; False if ``rest`` is neither."""
    rn, refine = _RN.match(rest), _REFINE.match(rest)
    if rn:
        m.copy(key, f'{DEC}lateral_convs.{int(rn.group(1)) - 1}.weight')
    elif refine:
        j = levels - int(refine.group(1))
        part = refine.group(5)
        if refine.group(2) == 'out_conv':
            m.copy(key, f'{DEC}fusion_blocks.{j}.out_conv.{part}')
        elif j == 0 and refine.group(3) == '1':
            m.drop(key, UNUSED_RCU)
        else:
            m.copy(key, f'{DEC}fusion_blocks.{j}.res_unit{refine.group(3)}.'
                        f'conv{refine.group(4)}.{part}')
    elif rest.startswith('scratch.refinenet') and '.bn' in rest:
        raise ConversionError(f'{prefix}{rest}: DPT heads with batch norm in the fusion '
                              'blocks (use_bn=True) are not supported')
    else:
        return False
    return True


def _levels(m: KeyMapper, pattern: str) -> int:
    found = {int(x.group(1)) for k in m.state for x in [re.match(pattern, k)] if x}
    if not found:
        raise ConversionError(f'no DPT head levels found (pattern {pattern})')
    return len(found)


def map_da_head(m: KeyMapper, prefix: str = 'depth_head.', mode: str = 'depth') -> None:
    """Depth Anything v1/v2 ``depth_head.*``."""
    levels = _levels(m, re.escape(prefix) + r'projects\.(\d+)\.weight$')
    simple = {'scratch.output_conv1': 'output_conv1', 'scratch.output_conv2.0': 'output_conv2'}
    for key in m.keys(prefix):
        rest = key[len(prefix):]
        stem, _, part = rest.rpartition('.')
        hit = re.match(r'^(projects|resize_layers)\.(\d+)$', stem)
        readout = re.match(r'^readout_projects\.(\d+)\.0$', stem)
        if hit:
            m.copy(key, f'{DEC}reassemble.{hit.group(1)}.{hit.group(2)}.{part}')
        elif readout:
            m.copy(key, f'{DEC}reassemble.readout_projects.{readout.group(1)}.0.{part}')
        elif stem in simple:
            m.copy(key, f'{DEC}{simple[stem]}.{part}')
        elif stem == 'scratch.output_conv2.2':
            _depth_out(m, key, mode)
        elif not _scratch(m, prefix, rest, key, levels):
            m.unknown.append(key)


def map_midas_head(m: KeyMapper, mode: str = 'depth') -> None:
    """MiDaS DPT ``pretrained.act_postprocess{k}.*`` and ``scratch.*``."""
    levels = _levels(m, r'^pretrained\.act_postprocess(\d)\.3\.weight$')
    simple = {'scratch.output_conv.0': 'output_conv1', 'scratch.output_conv.2': 'output_conv2'}
    names = {'3': 'projects', '4': 'resize_layers'}
    for key in m.keys('pretrained.act_postprocess'):
        post = re.match(r'^pretrained\.act_postprocess(\d)\.(0\.project\.0|3|4)\.(weight|bias)$',
                        key)
        if not post:
            m.unknown.append(key)
            continue
        i, what, part = int(post.group(1)) - 1, post.group(2), post.group(3)
        dst = (f'readout_projects.{i}.0' if what.startswith('0') else f'{names[what]}.{i}')
        m.copy(key, f'{DEC}reassemble.{dst}.{part}')
    for key in m.keys('scratch.'):
        stem, _, part = key.rpartition('.')
        if stem in simple:
            m.copy(key, f'{DEC}{simple[stem]}.{part}')
        elif stem == 'scratch.output_conv.4':
            _depth_out(m, key, mode)
        elif not _scratch(m, '', key, key, levels):
            m.unknown.append(key)


def map_hf_head(m: KeyMapper, flavour: str, mode: str = 'depth') -> None:
    """Hugging Face ``neck.*`` / ``head.*`` of ``DepthAnything`` (``'da'``) or ``DPT``."""
    if any(k.startswith('head.projection.') for k in m.state):
        raise ConversionError('DPT head with add_projection is not supported')
    outs = ({'head.conv1': 'output_conv1', 'head.conv2': 'output_conv2'} if flavour == 'da'
            else {'head.head.0': 'output_conv1', 'head.head.2': 'output_conv2'})
    depth_out = 'head.conv3' if flavour == 'da' else 'head.head.4'
    res = re.compile(r'^neck\.fusion_stage\.layers\.(\d+)\.(projection|residual_layer(\d)\.'
                     r'(convolution\d|batch_norm\d))$')
    for key in m.keys('neck.') + m.keys('head.'):
        stem, _, part = key.rpartition('.')
        layer = re.match(r'^neck\.reassemble_stage\.layers\.(\d+)\.(projection|resize)$', stem)
        readout = re.match(r'^neck\.reassemble_stage\.readout_projects\.(\d+)\.0$', stem)
        conv = re.match(r'^neck\.convs\.(\d+)$', stem)
        fusion = res.match(stem)
        if layer:
            what = 'projects' if layer.group(2) == 'projection' else 'resize_layers'
            m.copy(key, f'{DEC}reassemble.{what}.{layer.group(1)}.{part}')
        elif readout:
            m.copy(key, f'{DEC}reassemble.readout_projects.{readout.group(1)}.0.{part}')
        elif conv:
            m.copy(key, f'{DEC}lateral_convs.{conv.group(1)}.{part}')
        elif fusion:
            j = int(fusion.group(1))
            if fusion.group(2) == 'projection':
                m.copy(key, f'{DEC}fusion_blocks.{j}.out_conv.{part}')
            elif fusion.group(4).startswith('batch_norm'):
                raise ConversionError(f'{key}: fusion residual batch norm is not supported')
            elif j == 0 and fusion.group(3) == '1':
                m.drop(key, UNUSED_RCU)
            else:
                c = fusion.group(4)[-1]
                m.copy(key, f'{DEC}fusion_blocks.{j}.res_unit{fusion.group(3)}.conv{c}.{part}')
        elif stem in outs:
            m.copy(key, f'{DEC}{outs[stem]}.{part}')
        elif stem == depth_out:
            _depth_out(m, key, mode)
        else:
            m.unknown.append(key)


def infer_head(out: Mapping[str, Tensor]) -> Dict[str, Any]:
    """DepthAnythingHead fields read from converted weights."""
    get = {k[len(DEC):]: v for k, v in out.items() if k.startswith(DEC)}
    levels = sorted({int(k.split('.')[2]) for k in get if k.startswith('reassemble.projects.')})
    channels = [int(get[f'reassemble.projects.{i}.weight'].shape[0]) for i in levels]
    factors = []
    for i in levels:
        w = get.get(f'reassemble.resize_layers.{i}.weight')
        factors.append(1 if w is None else (0.5 if w.shape[-1] == 3 else int(w.shape[-1])))
    readout = 'project' if 'reassemble.readout_projects.0.0.weight' in get else 'ignore'
    return dict(embed_dims=int(get['reassemble.projects.0.weight'].shape[1]),
                post_process_channels=channels, features=int(get['lateral_convs.0.weight']
                                                              .shape[0]),
                reassemble_factors=factors, readout_type=readout,
                head_channels=int(get['output_conv2.weight'].shape[0]))
