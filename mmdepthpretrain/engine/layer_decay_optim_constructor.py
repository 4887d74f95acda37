"""Layer-wise learning-rate decay for plain ViT backbones (segmentation and detection).

Fine-tuning a pre-trained ViT works best when the early blocks move less than the late
ones (Clark et al., ELECTRA, 2020; Bao et al., BEiT, 2022; Li et al., ViTDet, 2022):
with ``L`` blocks, the embeddings get layer id 0, block ``i`` (0-based) id ``i + 1``, and
everything else (the backbone's final norm, the neck, the heads) id ``L + 1``; a parameter
of layer id ``k`` trains at ``lr * decay ** (L + 1 - k)``. Norm weights, biases (every
parameter with one dimension), position embeddings and the class / register / mask tokens
get no weight decay. Frozen parameters are left out of the optimizer, as with
:class:`FrozenAwareOptimWrapperConstructor`.

mmseg ships a ``LayerDecayOptimizerConstructor`` for its BEiT/ConvNeXt naming only
(``backbone.layers.i`` / ``backbone.stages.i``); this one reads the block index of any plain
ViT whose blocks are ``backbone.blocks.i`` or ``backbone.layers.i`` and is registered in
both mmseg's and mmdet's registries.
"""
import re
from typing import List, Optional

import torch.nn as nn
from mmengine.optim import DefaultOptimWrapperConstructor
from mmseg.registry import OPTIM_WRAPPER_CONSTRUCTORS

__all__ = ['LayerDecayOptimWrapperConstructor', 'vit_layer_id']

EMBEDDING_NAMES = ('cls_token', 'pos_embed', 'patch_embed', 'mask_token', 'register_tokens',
                   'storage_tokens', 'reg_token', 'absolute_pos_embed')
NO_DECAY_NAMES = ('pos_embed', 'cls_token', 'mask_token', 'register_tokens', 'storage_tokens',
                  'reg_token', 'absolute_pos_embed', 'rel_pos')
_BLOCK = re.compile(r'^(?:blocks|layers)\.(\d+)\.')


def vit_layer_id(name: str, num_layers: int, prefix: str = 'backbone.') -> int:
    """Layer id of a parameter for layer-wise decay (see the module docstring).

    Args:
        name (str): Parameter name in the whole model (``backbone.blocks.3.attn.qkv.weight``).
        num_layers (int): Number of transformer blocks ``L``.
        prefix (str): Where the backbone's parameters live. Defaults to 'backbone.'.

    Returns:
        int: 0 for embeddings, ``i + 1`` for block ``i``, ``L + 1`` for the rest.
    """
    if not name.startswith(prefix):
        return num_layers + 1
    rest = name[len(prefix):]
    if rest.split('.')[0] in EMBEDDING_NAMES:
        return 0
    match = _BLOCK.match(rest)
    if match:
        return int(match.group(1)) + 1
    return num_layers + 1


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class LayerDecayOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """Optimizer with layer-wise learning-rate decay over a plain ViT backbone.

    ``paramwise_cfg`` keys:

    - ``layer_decay_rate`` (float): the decay factor (ViTDet: 0.7 for ViT-B, 0.8 for
      ViT-L; BEiT/DINOv2 segmentation: 0.9-0.65). Required.
    - ``num_layers`` (int, optional): ``L``. Defaults to the number of blocks found in
      the backbone's parameter names.
    - ``backbone_prefix`` (str): Defaults to 'backbone.'.

    Example::

        optim_wrapper = dict(
            type='OptimWrapper',
            constructor='LayerDecayOptimWrapperConstructor',
            optimizer=dict(type='AdamW', lr=1e-4, weight_decay=0.1),
            paramwise_cfg=dict(layer_decay_rate=0.8))

    Args:
        optim_wrapper_cfg (dict): The optim wrapper config.
        paramwise_cfg (dict): See above.
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: Optional[dict] = None):
        paramwise_cfg = dict(paramwise_cfg or {})
        if 'layer_decay_rate' not in paramwise_cfg:
            raise ValueError('LayerDecayOptimWrapperConstructor needs '
                             'paramwise_cfg.layer_decay_rate (e.g. 0.8 for ViT-L)')
        self.layer_decay_rate = float(paramwise_cfg.pop('layer_decay_rate'))
        self.num_layers = paramwise_cfg.pop('num_layers', None)
        self.backbone_prefix = paramwise_cfg.pop('backbone_prefix', 'backbone.')
        if paramwise_cfg:
            raise ValueError('LayerDecayOptimWrapperConstructor: unknown paramwise_cfg keys '
                             f'{sorted(paramwise_cfg)} (known: layer_decay_rate, num_layers, '
                             'backbone_prefix)')
        # a non-empty paramwise_cfg makes the parent route parameters through add_params
        super().__init__(optim_wrapper_cfg, dict(custom_keys={}))

    def _num_layers(self, names: List[str]) -> int:
        if self.num_layers is not None:
            return int(self.num_layers)
        ids = [int(m.group(1)) for n in names if n.startswith(self.backbone_prefix)
               for m in [_BLOCK.match(n[len(self.backbone_prefix):])] if m]
        if not ids:
            raise ValueError('LayerDecayOptimWrapperConstructor: no '
                             f'{self.backbone_prefix}blocks.i / layers.i parameters found; set '
                             'paramwise_cfg.num_layers or backbone_prefix')
        return max(ids) + 1

    def add_params(self, params: List[dict], module: nn.Module, prefix: str = '',
                   is_dcn_module=None) -> None:
        """Fill ``params`` with one group per (layer id, weight decay or not)."""
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        num_layers = self._num_layers([n for n, _ in named])
        base_lr = self.base_lr
        base_wd = self.base_wd or 0.0
        groups = {}
        for name, param in named:
            layer = vit_layer_id(name, num_layers, self.backbone_prefix)
            rest = name[len(self.backbone_prefix):] if name.startswith(
                self.backbone_prefix) else name
            no_decay = param.ndim == 1 or any(k in rest.split('.')[0] for k in NO_DECAY_NAMES)
            key = (layer, no_decay)
            if key not in groups:
                scale = self.layer_decay_rate ** (num_layers + 1 - layer)
                groups[key] = dict(params=[], lr=base_lr * scale, lr_scale=scale,
                                   layer_id=layer, weight_decay=0.0 if no_decay else base_wd)
            groups[key]['params'].append(param)
        params.extend(groups[k] for k in sorted(groups))


def _register_in_mmdet() -> None:
    try:
        from mmdet.registry import OPTIM_WRAPPER_CONSTRUCTORS as DET
    except ImportError:  # mmdet is optional for segmentation-only users
        return
    if DET.get('LayerDecayOptimWrapperConstructor') is not LayerDecayOptimWrapperConstructor:
        DET.register_module(module=LayerDecayOptimWrapperConstructor, force=True)


_register_in_mmdet()
