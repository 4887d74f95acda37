"""Plain ViT family: DINOv2, Depth Anything v1/v2, DINOv3 and MiDaS DPT encoders.

Why not reuse the hosts' ViTs (checked against the installed mmpretrain 1.2.0 / mmseg 1.2.2):

- mmpretrain ``VisionTransformer`` (archs ``dinov2-s`` ... with ``layer_scale_init_value``)
  has LayerScale and SwiGLU, but resizes position embeddings only to an explicit size
  (``resize_pos_embed``: bicubic, ``size=...``), so it cannot reproduce the original
  DINOv2 / Depth Anything interpolation (``scale_factor`` with the +0.1 offset) or MiDaS'
  bilinear one; it applies the final norm only after the last block (Depth Anything
  normalises every block it takes); it has no register tokens, no RoPE and no key-bias
  mask, so DINOv3 does not fit at all.
- mmseg ``VisionTransformer`` (the MiDaS candidate: no LayerScale is right there) attends
  through ``nn.MultiheadAttention`` with ``need_weights=True`` (an explicit softmax, not
  ``F.scaled_dot_product_attention``), pads inputs that the patch does not divide at the
  bottom-right inside its patch embedding without telling the head, and skips the
  position-embedding resize whenever the token count matches even if the grid shape
  differs; it has no ``freeze`` for linear probing either.

So one implementation serves every family; its parameter names follow the DINOv2 code
(``patch_embed.proj``, ``blocks.i.{norm1, attn.qkv, attn.proj, ls1.gamma, norm2, mlp.fc1,
mlp.fc2 | mlp.w12, mlp.w3, ls2.gamma}``, ``norm``), so DINOv2 hub files load as they are
and ``tools/model_converters/vit_to_mmdp.py`` maps every other source onto them.
"""
import copy
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import print_log
from mmengine.model import BaseModule
from mmengine.runner.checkpoint import CheckpointLoader
from mmseg.registry import MODELS
from torch import Tensor
from torch.utils.checkpoint import checkpoint

from .vit_layers import POS_INTERP_MODES, RopePositionEmbedding, ViTBlock, interpolate_pos_embed

__all__ = ['PlainViT', 'VIT_ARCHS', 'resample_patch_embed']

_DINOV2 = dict(patch_size=14, img_size=518, pos_embed='learned', pos_interp='dinov2',
               layer_scale=1.0, norm_eps=1e-6, num_register_tokens=0, k_bias=True,
               ffn_type='mlp', final_norm=True, rope_base=100.0)
_DINOV3 = dict(_DINOV2, patch_size=16, img_size=224, pos_embed='rope', pos_interp=None,
               layer_scale=1e-5, norm_eps=1e-5, num_register_tokens=4, k_bias=False)
_MIDAS = dict(_DINOV2, patch_size=16, img_size=384, pos_interp='bilinear', layer_scale=None,
              final_norm=False)
_SIZES = dict(s=(384, 12, 6, 1536), b=(768, 12, 12, 3072), l=(1024, 24, 16, 4096))


def _arch(base: dict, size: Tuple[int, int, int, int], **extra) -> dict:
    dims, layers, heads, ffn = size
    return dict(base, embed_dims=dims, num_layers=layers, num_heads=heads, ffn_channels=ffn,
                **extra)


#: Presets; every field can be overridden by a keyword argument of :class:`PlainViT`.
VIT_ARCHS: Dict[str, dict] = {
    **{f'dinov2-{k}': _arch(_DINOV2, v) for k, v in _SIZES.items()},
    'dinov2-g': _arch(_DINOV2, (1536, 40, 24, 4096), ffn_type='swiglu'),
    **{f'dinov3-{k}': _arch(_DINOV3, v) for k, v in _SIZES.items()},
    'midas-l': _arch(_MIDAS, _SIZES['l']),
}
_ARCH_KEYS = set(VIT_ARCHS['dinov2-s']) | {'in_channels'}
READOUTS = ('ignore', 'add', 'cls_token')


def _as_pair(x) -> Tuple[int, int]:
    return (int(x), int(x)) if isinstance(x, (int, float)) else (int(x[0]), int(x[1]))


def resample_patch_embed(weight: Tensor, size: int) -> Tensor:
    """Resample a patch-embedding kernel to another patch size (e.g. DINOv2's 14 to 16).

    Pseudo-inverse resize (Beyer et al., FlexiViT, CVPR 2023, Sec. 3.4): with ``B`` the
    bilinear resize of ``p x p`` patches to ``q x q``, the new kernel ``w'`` solves
    ``<B x, w'> = <x, w>`` in the least-squares sense, ``w' = pinv(B^T) w``, so a patch
    upsampled to the new size embeds (nearly) as the original patch did. Detectors use it
    to run patch-14 weights at patch 16, which keeps mmdet's feature strides 4 ... 64 exact.

    Args:
        weight (Tensor): ``(D, C, p, p)`` kernel.
        size (int): New patch size ``q``.

    Returns:
        Tensor: ``(D, C, q, q)``, in ``weight``'s dtype.
    """
    p = weight.shape[-1]
    if weight.shape[-2] != p:
        raise ValueError(f'resample_patch_embed: square kernels only, got {list(weight.shape)}')
    if p == size:
        return weight
    basis = torch.eye(p * p, dtype=torch.float64).reshape(p * p, 1, p, p)
    resized = F.interpolate(basis, size=(size, size), mode='bilinear', align_corners=False)
    resize_t = resized.reshape(p * p, size * size)  # B^T: (p^2, q^2)
    inverse = torch.linalg.pinv(resize_t)  # (q^2, p^2)
    flat = weight.double().reshape(-1, p * p)
    return (flat @ inverse.T).reshape(*weight.shape[:2], size, size).to(weight.dtype)


@MODELS.register_module()
class PlainViT(BaseModule):
    """Plain ViT encoder returning ``(B, C, H / p, W / p)`` maps at chosen blocks.

    Depth Anything takes blocks ``[2, 5, 8, 11]`` (v2 S/B), ``[4, 11, 17, 23]`` (v2 L),
    ``[9, 19, 29, 39]`` (v2 G) or the last four (v1), normalises each with the final
    LayerNorm and drops the cls token (or hands it to the head, ``readout='cls_token'``).
    MiDaS DPT takes blocks ``[5, 11, 17, 23]`` without the final norm.

    Call graph::

        forward(x) -> _check_size / pad -> tokens(): patch_embed, cls, pos_embed
                   (interpolated, ``pos_interp``) or RoPE, register tokens
                   -> blocks (optional checkpointing) -> _output(): norm, readout

    Args:
        arch (str | dict): A key of :data:`VIT_ARCHS` (``'dinov2-s'`` ... ``'dinov2-g'``,
            ``'dinov3-s'`` ... ``'dinov3-l'``, ``'midas-l'``) or a full dict of its fields.
            Defaults to 'dinov2-l'.
        out_indices (int | Sequence[int]): Blocks whose outputs are returned (negative
            counts from the end); blocks after the last one are not run (their parameters
            get no gradient). Defaults to -1.
        readout (str): What happens to the cls token: ``'ignore'`` (dropped),
            ``'add'`` (added to every patch) or ``'cls_token'`` (each output is a
            ``(map, cls)`` pair for a DPT head's readout projection). Defaults to 'ignore'.
        crop_size (int | tuple, optional): The training crop ``(h, w)``, checked at build
            time: a crop the patch does not divide fails naming both unless
            ``pad_input``. Defaults to None.
        pad_input (bool): Pad inputs that the patch does not divide at the bottom/right
            (with zeros, i.e. the mean colour after normalisation); the maps then cover
            the padded image and our DPT heads crop their full-resolution output back.
            False raises instead, naming the size and the patch. Defaults to False.
        drop_path_rate (float): Stochastic depth, linear over blocks. Defaults to 0.
        with_cp (bool): Gradient checkpointing per block in training. Defaults to False.
        frozen_stages (int): Freeze (no gradient, eval mode) the embeddings (0) and the
            first ``frozen_stages`` blocks; ``num_layers`` also freezes the final norm.
            -1 freezes nothing. Defaults to -1.
        freeze (bool): Freeze everything (linear probing). Defaults to False.
        init_cfg (dict, optional): ``dict(type='Pretrained', checkpoint=..., prefix=...)``
            loads strictly: a key of another shape fails naming both shapes. With
            ``resample_patch_embed=True`` a patch-embedding kernel of another patch size
            (DINOv2 / Depth Anything's 14 in a patch-16 detector backbone) is resampled by
            :func:`resample_patch_embed` first. Defaults to None.
        **overrides: Any field of the arch: ``embed_dims``, ``num_layers``,
            ``num_heads``, ``ffn_channels``, ``ffn_type`` ('mlp' | 'swiglu'),
            ``patch_size``, ``img_size`` (sets the learned position grid,
            ``img_size / patch_size``), ``pos_embed`` ('learned' | 'rope'),
            ``pos_interp`` (one of ``'dinov2'``, ``'dinov2_reg'``, ``'hf'``,
            ``'bilinear'``: the convention of the checkpoint's source), ``layer_scale``
            (init value or None), ``norm_eps``, ``num_register_tokens``, ``k_bias``,
            ``final_norm`` (normalise every output), ``rope_base``, ``in_channels``.
            A dict arch needs ``embed_dims``, ``num_layers``, ``num_heads`` and
            ``ffn_channels``; the rest defaults to DINOv3's (``pos_embed='rope'``) or
            DINOv2's values.
    """

    def __init__(self,
                 arch: Union[str, dict] = 'dinov2-l',
                 out_indices: Union[int, Sequence[int]] = -1,
                 readout: str = 'ignore',
                 crop_size: Optional[Union[int, Sequence[int]]] = None,
                 pad_input: bool = False,
                 drop_path_rate: float = 0.0,
                 with_cp: bool = False,
                 frozen_stages: int = -1,
                 freeze: bool = False,
                 init_cfg: Optional[dict] = None,
                 **overrides):
        super().__init__(init_cfg=init_cfg)
        cfg = self._resolve_arch(arch, overrides)
        self.arch_settings = cfg
        self.embed_dims = cfg['embed_dims']
        self.num_layers = cfg['num_layers']
        self.patch_size = int(cfg['patch_size'])
        self.img_size = _as_pair(cfg['img_size'])
        self.pos_interp = cfg['pos_interp']
        self.num_register_tokens = int(cfg['num_register_tokens'])
        if readout not in READOUTS:
            raise ValueError(f'PlainViT readout must be one of {READOUTS}, got {readout!r}')
        self.readout = readout
        self.pad_input = pad_input
        self.with_cp = with_cp
        self._check_size(self.img_size, 'img_size')  # the position grid must be whole
        if crop_size is not None and not pad_input:
            self._check_size(_as_pair(crop_size), 'crop')
        idx = [out_indices] if isinstance(out_indices, int) else list(out_indices)
        self.out_indices = sorted({i % self.num_layers for i in idx})
        if any(not -self.num_layers <= i < self.num_layers for i in idx) or not idx:
            raise ValueError(f'PlainViT out_indices {idx} outside the {self.num_layers} blocks')

        dim = self.embed_dims
        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv2d(cfg.get('in_channels', 3), dim, self.patch_size,
                                          self.patch_size)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        if cfg['pos_embed'] == 'learned':
            grid = (self.img_size[0] // self.patch_size) * (self.img_size[1] // self.patch_size)
            self.pos_embed = nn.Parameter(torch.zeros(1, 1 + grid, dim))
            self.rope = None
        else:
            self.pos_embed = None
            self.rope = RopePositionEmbedding(dim // cfg['num_heads'], cfg['rope_base'])
        self.register_tokens = (nn.Parameter(torch.zeros(1, self.num_register_tokens, dim))
                                if self.num_register_tokens else None)
        # plain numbers, also when the model is built under torch.device('meta')
        dpr = torch.linspace(0, drop_path_rate, self.num_layers, device='cpu').tolist()
        self.blocks = nn.ModuleList([
            ViTBlock(dim, cfg['num_heads'], cfg['ffn_channels'], cfg['ffn_type'],
                     cfg['layer_scale'], cfg['norm_eps'], k_bias=cfg['k_bias'], drop_path=p)
            for p in dpr
        ])
        self.norm = nn.LayerNorm(dim, eps=cfg['norm_eps']) if cfg['final_norm'] else None
        self._init_params()
        self.frozen_stages = self.num_layers if freeze else frozen_stages
        self._freeze_stages()

    # ---------------------------------------------------------------- construction
    @staticmethod
    def _resolve_arch(arch: Union[str, dict], overrides: dict) -> dict:
        if isinstance(arch, str):
            if arch not in VIT_ARCHS:
                raise ValueError(f'PlainViT arch {arch!r} unknown; use one of '
                                 f'{sorted(VIT_ARCHS)} or a dict of {sorted(_ARCH_KEYS)}')
            cfg = copy.deepcopy(VIT_ARCHS[arch])
        else:
            missing = {'embed_dims', 'num_layers', 'num_heads', 'ffn_channels'} - set(arch)
            if missing:
                raise ValueError(f'PlainViT arch dict lacks {sorted(missing)}')
            family = dict(overrides, **arch).get('pos_embed', 'learned')
            cfg = dict(_DINOV3 if family == 'rope' else _DINOV2, **arch)
        unknown = set(overrides) - _ARCH_KEYS
        if unknown:
            raise TypeError(f'PlainViT got unknown arguments {sorted(unknown)}')
        cfg.update(overrides)
        if cfg['pos_embed'] not in ('learned', 'rope'):
            raise ValueError(f"pos_embed must be 'learned' or 'rope', got {cfg['pos_embed']!r}")
        if cfg['pos_embed'] == 'learned' and cfg['pos_interp'] not in POS_INTERP_MODES:
            raise ValueError(f'pos_interp must be one of {POS_INTERP_MODES}, got '
                             f"{cfg['pos_interp']!r}")
        return cfg

    def _init_params(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
        for p in (self.pos_embed,):
            if p is not None:
                nn.init.trunc_normal_(p, std=0.02)
        nn.init.normal_(self.cls_token, std=1e-6)
        if self.register_tokens is not None:
            nn.init.normal_(self.register_tokens, std=1e-6)

    def _check_size(self, size: Tuple[int, int], what: str) -> None:
        p = self.patch_size
        if size[0] % p or size[1] % p:
            fit = [(s // p) * p for s in size], [-(-s // p) * p for s in size]
            raise ValueError(
                f'PlainViT: {what} {size[0]}x{size[1]} is not a multiple of the patch size {p} '
                f'(e.g. use {fit[0][0]}x{fit[0][1]} or {fit[1][0]}x{fit[1][1]}), or set '
                f'pad_input=True, or pad in the data preprocessor (size_divisor={p}, which '
                'mmseg crops back from the prediction); inputs are never resized silently')

    # ---------------------------------------------------------------- freezing
    def _frozen_modules(self) -> List[nn.Module]:
        if self.frozen_stages < 0:
            return []
        mods = [self.patch_embed] + list(self.blocks[:self.frozen_stages])
        if self.frozen_stages >= self.num_layers and self.norm is not None:
            mods.append(self.norm)
        return mods

    def _freeze_stages(self) -> None:
        if self.frozen_stages < 0:
            return
        for p in (self.cls_token, self.pos_embed, self.register_tokens):
            if p is not None:
                p.requires_grad = False
        for m in self._frozen_modules():
            m.eval()
            for p in m.parameters():
                p.requires_grad = False

    def train(self, mode: bool = True) -> 'PlainViT':
        """Set the mode; frozen parts (all of it with ``freeze``) stay in eval mode."""
        super().train(mode and self.frozen_stages < self.num_layers)
        for m in self._frozen_modules():
            m.eval()
        return self

    # ---------------------------------------------------------------- loading
    def init_weights(self) -> None:
        """Load ``init_cfg`` ``Pretrained`` strictly; other init types as mmengine does."""
        cfg = self.init_cfg
        if not (isinstance(cfg, dict) and cfg.get('type') == 'Pretrained'):
            super().init_weights()
            return
        ckpt = CheckpointLoader.load_checkpoint(cfg['checkpoint'], map_location='cpu')
        state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else ckpt
        prefix = cfg.get('prefix')
        if prefix is None and any(k.startswith('backbone.') for k in state):
            prefix = 'backbone'
        if prefix:
            prefix = prefix.rstrip('.') + '.'
            state = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
        key = 'patch_embed.proj.weight'
        if cfg.get('resample_patch_embed') and key in state and \
                state[key].shape[-1] != self.patch_size:
            print_log(f'PlainViT: patch embedding resampled from {state[key].shape[-1]} to '
                      f'{self.patch_size}', logger='current')
            state = dict(state, **{key: resample_patch_embed(state[key], self.patch_size)})
        self.load_state_dict_checked(state, source=str(cfg['checkpoint']))
        self._is_init = True

    def load_state_dict_checked(self, state: Dict[str, Tensor], source: str = 'checkpoint'):
        """Load ``state`` strictly; fail with every mismatched, missing or extra key.

        Args:
            state (dict[str, Tensor]): Backbone keys (no ``backbone.`` prefix).
            source (str): Name used in the error. Defaults to 'checkpoint'.
        """
        own = self.state_dict()
        problems = []
        for k, v in state.items():
            if k in own and tuple(v.shape) != tuple(own[k].shape):
                line = f'{k}: checkpoint shape {list(v.shape)} vs model shape {list(own[k].shape)}'
                if k == 'pos_embed':
                    line += (' (the position grid is img_size / patch_size; set img_size to '
                             "the checkpoint's, it is interpolated to any input at run time)")
                problems.append(line)
        problems += [f'{k}: missing in the checkpoint' for k in own if k not in state]
        problems += [f'{k}: not in the model' for k in state if k not in own]
        if problems:
            listed = '\n  - '.join(problems[:25])
            raise ValueError(f'PlainViT: {source} does not fit this backbone (another size or '
                             f'family? convert it with tools/model_converters/vit_to_mmdp.py):'
                             f'\n  - {listed}')
        self.load_state_dict(state, strict=True)
        print_log(f'PlainViT: loaded {len(state)} tensors from {source}', logger='current')

    # ---------------------------------------------------------------- forward
    def tokens(self, x: Tensor) -> Tuple[Tensor, Tuple[int, int]]:
        """Embed ``x`` into ``[cls, registers, patches]`` tokens; returns them and the grid."""
        tokens = self.patch_embed.proj(x)
        grid = (tokens.shape[-2], tokens.shape[-1])
        tokens = tokens.flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(tokens.shape[0], -1, -1).to(tokens.dtype),
                       tokens], dim=1)
        if self.pos_embed is not None:
            x = x + interpolate_pos_embed(self.pos_embed, grid, self.pos_interp).to(x.dtype)
        if self.register_tokens is not None:
            reg = self.register_tokens.expand(x.shape[0], -1, -1).to(x.dtype)
            x = torch.cat([x[:, :1], reg, x[:, 1:]], dim=1)
        return x, grid

    def _output(self, x: Tensor, grid: Tuple[int, int]):
        if self.norm is not None:
            x = self.norm(x)
        cls = x[:, 0]
        fmap = x[:, 1 + self.num_register_tokens:].transpose(1, 2).reshape(
            x.shape[0], x.shape[-1], grid[0], grid[1]).contiguous()
        if self.readout == 'add':
            return fmap + cls[:, :, None, None]
        if self.readout == 'cls_token':
            return fmap, cls
        return fmap

    def forward(self, x: Tensor) -> tuple:
        """Encode images.

        Args:
            x (Tensor): ``(B, C, H, W)``, normalised as the source model expects.

        Returns:
            tuple: one ``(B, embed_dims, H / p, W / p)`` map per ``out_indices`` entry
            (``(map, cls)`` pairs with ``readout='cls_token'``).
        """
        h, w = x.shape[-2:]
        p = self.patch_size
        if h % p or w % p:
            if not self.pad_input:
                self._check_size((h, w), 'input')
            x = F.pad(x, (0, -w % p, 0, -h % p))
        x, grid = self.tokens(x)
        rope = self.rope(*grid) if self.rope is not None else None
        outs = []
        for i, block in enumerate(self.blocks[:self.out_indices[-1] + 1]):
            if self.with_cp and self.training and x.requires_grad:
                x = checkpoint(block, x, rope, use_reentrant=False)
            else:
                x = block(x, rope)
            if i in self.out_indices:
                outs.append(self._output(x, grid))
        return tuple(outs)


def _register_in_mmdet() -> None:
    """The same class in mmdet's MODELS (for detectors with a ViT backbone)."""
    try:
        from mmdet.registry import MODELS as MMDET_MODELS
    except ImportError:  # mmdet is optional for segmentation-only installs
        return
    if 'PlainViT' not in MMDET_MODELS.module_dict:
        MMDET_MODELS.register_module(module=PlainViT)


_register_in_mmdet()
