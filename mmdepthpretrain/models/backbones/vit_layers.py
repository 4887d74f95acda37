"""Building blocks of :class:`PlainViT`: attention, feed-forward, LayerScale, RoPE, pos embeds.

Facts reimplemented here (REFERENCE.md Sec. 6):

- Position-embedding interpolation differs by source, and each converted model must
  reproduce its own source, so :func:`interpolate_pos_embed` offers every convention:

  * ``'dinov2'``: the original DINOv2 / Depth Anything code: bicubic with
    ``scale_factor = (n + 0.1) / sqrt(N)`` per side, antialias off, skipped when the patch
    count matches and the grid is square;
  * ``'dinov2_reg'``: DINOv2 with registers (hub): the same with offset 0 and antialias on;
  * ``'hf'``: Hugging Face ``Dinov2`` / ``DepthAnything``: bicubic to the explicit size,
    ``align_corners=False``, in float32, skipped under the same condition;
  * ``'bilinear'``: MiDaS DPT (timm ViT ``_resize_pos_embed``) and Hugging Face ``DPT``:
    bilinear to the explicit size, ``align_corners=False``.

  At the native grid all of them are the identity.
- DINOv3 replaces the learned embedding by a 2D RoPE on the patch tokens only (the cls and
  register tokens are not rotated): patch centres in ``[-1, 1]`` normalised per side,
  ``periods = base ** (2k / (head_dim / 2))``, ``k < head_dim / 4``, angles
  ``2 pi coord / period`` for y then x, tiled twice, rotation by halves
  (``x cos + rotate_half(x) sin``), computed in float32. DINOv3's training-time
  augmentations of the RoPE coordinates (shift, jitter, rescale) are not applied; in eval
  mode the sources do not apply them either.
- DINOv3 masks the key bias to zero (``bias_mask``). With RoPE a key bias is not a no-op
  (it is rotated per position), so it is kept at zero here by a mask, not merely loaded
  as zero.
"""
import math
from typing import Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn.bricks import DropPath
from torch import Tensor

__all__ = [
    'POS_INTERP_MODES', 'interpolate_pos_embed', 'RopePositionEmbedding', 'apply_rope',
    'Attention', 'Mlp', 'SwiGLUFFN', 'LayerScale', 'ViTBlock'
]

POS_INTERP_MODES = ('dinov2', 'dinov2_reg', 'hf', 'bilinear')
Rope = Tuple[Tensor, Tensor]


def interpolate_pos_embed(pos_embed: Tensor, grid: Sequence[int], mode: str = 'dinov2',
                          num_prefix: int = 1) -> Tensor:
    """Resample a learned position embedding to a patch grid, as a given source does.

    Args:
        pos_embed (Tensor): ``(1, num_prefix + M * M, C)``, a square grid of ``M x M``.
        grid (Sequence[int]): Target patch grid ``(h, w)``.
        mode (str): One of :data:`POS_INTERP_MODES`. Defaults to 'dinov2'.
        num_prefix (int): Leading tokens that are not resampled (the cls token).
            Defaults to 1.

    Returns:
        Tensor: ``(1, num_prefix + h * w, C)`` in the dtype of ``pos_embed``.
    """
    if mode not in POS_INTERP_MODES:
        raise ValueError(f'pos_interp must be one of {POS_INTERP_MODES}, got {mode!r}')
    h, w = int(grid[0]), int(grid[1])
    n = pos_embed.shape[1] - num_prefix
    m = int(math.sqrt(n))
    if m * m != n:
        raise ValueError(f'pos_embed holds {n} patch positions, not a square grid')
    if (h, w) == (m, m):
        return pos_embed  # identity in every convention (and skipped by every source)
    dim = pos_embed.shape[-1]
    prefix, patch = pos_embed[:, :num_prefix], pos_embed[:, num_prefix:]
    patch = patch.float().reshape(1, m, m, dim).permute(0, 3, 1, 2)
    if mode in ('dinov2', 'dinov2_reg'):
        offset, antialias = (0.1, False) if mode == 'dinov2' else (0.0, True)
        patch = F.interpolate(patch, scale_factor=((h + offset) / m, (w + offset) / m),
                              mode='bicubic', antialias=antialias)
        if patch.shape[-2:] != (h, w):  # the +0.1 offset exists to prevent this
            raise RuntimeError(f'pos_embed interpolation gave {tuple(patch.shape[-2:])}, '
                               f'expected {(h, w)}')
    elif mode == 'hf':
        patch = F.interpolate(patch, size=(h, w), mode='bicubic', align_corners=False)
    else:
        patch = F.interpolate(patch, size=(h, w), mode='bilinear', align_corners=False)
    patch = patch.permute(0, 2, 3, 1).reshape(1, h * w, dim).to(pos_embed.dtype)
    return torch.cat([prefix, patch], dim=1)


class RopePositionEmbedding(nn.Module):
    """DINOv3's 2D rotary embedding: ``(sin, cos)`` of shape ``(h * w, head_dim)``.

    Args:
        head_dim (int): Channels per attention head (a multiple of 4).
        base (float): Period base. Defaults to 100.
    """

    def __init__(self, head_dim: int, base: float = 100.0):
        super().__init__()
        if head_dim % 4:
            raise ValueError(f'RoPE needs a head dimension divisible by 4, got {head_dim}')
        self.head_dim = head_dim
        self.base = float(base)
        exponents = 2 * torch.arange(head_dim // 4, dtype=torch.float32) / (head_dim // 2)
        # recomputed from ``base``; converters check a checkpoint's periods against it
        self.register_buffer('periods', self.base ** exponents, persistent=False)

    def forward(self, h: int, w: int) -> Rope:
        """Sines and cosines for an ``h x w`` patch grid (float32)."""
        dd = dict(device=self.periods.device, dtype=torch.float32)
        coords_h = torch.arange(0.5, h, **dd) / h
        coords_w = torch.arange(0.5, w, **dd) / w
        coords = torch.stack(torch.meshgrid(coords_h, coords_w, indexing='ij'), dim=-1)
        coords = 2.0 * coords.flatten(0, 1) - 1.0  # (hw, 2) in [-1, 1]
        angles = 2 * math.pi * coords[:, :, None] / self.periods.float()[None, None, :]
        angles = angles.flatten(1, 2).tile(2)  # (hw, head_dim)
        return torch.sin(angles), torch.cos(angles)


def _rotate(x: Tensor, sin: Tensor, cos: Tensor) -> Tensor:
    x1, x2 = x.chunk(2, dim=-1)
    return x * cos + torch.cat([-x2, x1], dim=-1) * sin


def apply_rope(q: Tensor, k: Tensor, rope: Rope) -> Tuple[Tensor, Tensor]:
    """Rotate the patch tokens (the last ``h * w``) of ``q`` and ``k`` ``(B, heads, N, d)``."""
    sin, cos = rope
    prefix = q.shape[-2] - sin.shape[-2]
    if prefix < 0:
        raise ValueError(f'RoPE for {sin.shape[-2]} patches but only {q.shape[-2]} tokens')
    out = []
    for t in (q, k):
        t32 = t.float()
        rotated = _rotate(t32[:, :, prefix:], sin, cos)
        out.append(torch.cat([t32[:, :, :prefix], rotated], dim=-2).to(t.dtype))
    return out[0], out[1]


class Attention(nn.Module):
    """Multi-head self-attention with a fused ``qkv`` and ``F.scaled_dot_product_attention``.

    Args:
        dim (int): Embedding dimension.
        num_heads (int): Attention heads.
        qkv_bias (bool): Bias of the ``qkv`` projection. Defaults to True.
        k_bias (bool): Whether the key part of that bias is used; False keeps it at zero
            through a fixed mask (DINOv3). Defaults to True.
        proj_bias (bool): Bias of the output projection. Defaults to True.
        attn_drop (float): Attention dropout in training. Defaults to 0.
    """

    def __init__(self, dim: int, num_heads: int, qkv_bias: bool = True, k_bias: bool = True,
                 proj_bias: bool = True, attn_drop: float = 0.0):
        super().__init__()
        if dim % num_heads:
            raise ValueError(f'embed_dims {dim} is not divisible by num_heads {num_heads}')
        self.num_heads = num_heads
        self.attn_drop = attn_drop
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim, bias=proj_bias)
        self.k_bias = k_bias
        if qkv_bias and not k_bias:
            mask = torch.ones(dim * 3)
            mask[dim:2 * dim] = 0
            self.register_buffer('qkv_bias_mask', mask, persistent=False)
            with torch.no_grad():
                self.qkv.bias[dim:2 * dim] = 0

    def forward(self, x: Tensor, rope: Optional[Rope] = None) -> Tensor:
        """Attend over ``x`` ``(B, N, C)``; ``rope`` rotates the last tokens' q and k."""
        b, n, c = x.shape
        bias = self.qkv.bias
        if bias is not None and not self.k_bias:
            bias = bias * self.qkv_bias_mask.to(bias.dtype)
        qkv = F.linear(x, self.qkv.weight, bias)
        q, k, v = qkv.reshape(b, n, 3, self.num_heads, c // self.num_heads).permute(
            2, 0, 3, 1, 4).unbind(0)
        if rope is not None:
            q, k = apply_rope(q, k, rope)
        x = F.scaled_dot_product_attention(
            q, k, v, dropout_p=self.attn_drop if self.training else 0.0)
        return self.proj(x.transpose(1, 2).reshape(b, n, c))


class Mlp(nn.Module):
    """``fc1 -> GELU (exact) -> fc2``."""

    def __init__(self, dim: int, hidden: int, bias: bool = True):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden, bias=bias)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim, bias=bias)

    def forward(self, x: Tensor) -> Tensor:
        """Apply the MLP."""
        return self.fc2(self.act(self.fc1(x)))


class SwiGLUFFN(nn.Module):
    """``w3(silu(x1) * x2)`` with ``x1, x2 = w12(x).chunk(2)`` (DINOv2-g layout).

    DINOv3's separate ``w1``/``w2`` and Hugging Face's ``gate_proj``/``up_proj`` are the two
    halves of ``w12`` in that order.
    """

    def __init__(self, dim: int, hidden: int, bias: bool = True):
        super().__init__()
        self.w12 = nn.Linear(dim, 2 * hidden, bias=bias)
        self.w3 = nn.Linear(hidden, dim, bias=bias)

    def forward(self, x: Tensor) -> Tensor:
        """Apply the gated feed-forward."""
        x1, x2 = self.w12(x).chunk(2, dim=-1)
        return self.w3(F.silu(x1) * x2)


class LayerScale(nn.Module):
    """Per-channel scale ``x * gamma``."""

    def __init__(self, dim: int, init_value: float = 1.0):
        super().__init__()
        self.gamma = nn.Parameter(torch.full((dim,), float(init_value)))

    def forward(self, x: Tensor) -> Tensor:
        """Scale ``x``."""
        return x * self.gamma


class ViTBlock(nn.Module):
    """Pre-norm transformer block: ``x + ls1(attn(norm1(x)))``, ``x + ls2(mlp(norm2(x)))``.

    Args:
        dim (int): Embedding dimension.
        num_heads (int): Attention heads.
        ffn_channels (int): Hidden width of the feed-forward.
        ffn_type (str): ``'mlp'`` or ``'swiglu'``. Defaults to 'mlp'.
        layer_scale (float, optional): LayerScale init value; None for no LayerScale
            (MiDaS / timm ViT). Defaults to None.
        norm_eps (float): LayerNorm epsilon. Defaults to 1e-6.
        qkv_bias (bool): Defaults to True.
        k_bias (bool): Defaults to True.
        drop_path (float): Stochastic depth rate. Defaults to 0.
    """

    def __init__(self, dim: int, num_heads: int, ffn_channels: int, ffn_type: str = 'mlp',
                 layer_scale: Optional[float] = None, norm_eps: float = 1e-6,
                 qkv_bias: bool = True, k_bias: bool = True, drop_path: float = 0.0):
        super().__init__()
        if ffn_type not in ('mlp', 'swiglu'):
            raise ValueError(f"ffn_type must be 'mlp' or 'swiglu', got {ffn_type!r}")
        self.norm1 = nn.LayerNorm(dim, eps=norm_eps)
        self.attn = Attention(dim, num_heads, qkv_bias=qkv_bias, k_bias=k_bias)
        self.ls1 = LayerScale(dim, layer_scale) if layer_scale is not None else nn.Identity()
        self.norm2 = nn.LayerNorm(dim, eps=norm_eps)
        ffn = Mlp if ffn_type == 'mlp' else SwiGLUFFN
        self.mlp = ffn(dim, ffn_channels)
        self.ls2 = LayerScale(dim, layer_scale) if layer_scale is not None else nn.Identity()
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()

    def forward(self, x: Tensor, rope: Optional[Rope] = None) -> Tensor:
        """Run the block on ``x`` ``(B, N, C)``."""
        x = x + self.drop_path(self.ls1(self.attn(self.norm1(x), rope)))
        return x + self.drop_path(self.ls2(self.mlp(self.norm2(x))))
