"""Batching, colour jitter and normalisation of multi-frame samples on the device."""

from typing import Optional, Sequence, Tuple

import torch
from mmengine.model import BaseDataPreprocessor
from mmseg.registry import MODELS
from torch import Tensor

__all__ = ['MultiFrameDataPreProcessor', 'color_jitter']

# ITU-R 601-2 luma weights, as torchvision's rgb_to_grayscale
_GRAY = (0.2989, 0.587, 0.114)


def _gray(x: Tensor) -> Tensor:
    r, g, b = x.unbind(dim=-3)
    return (_GRAY[0] * r + _GRAY[1] * g + _GRAY[2] * b).unsqueeze(-3)


def _shift_hue(x: Tensor, shift: Tensor) -> Tensor:
    """Rotate the hue of RGB images in [0, 1] by ``shift`` turns (RGB -> HSV -> RGB)."""
    maxc, _ = x.max(dim=-3)
    minc, _ = x.min(dim=-3)
    delta = maxc - minc
    has_chroma = delta > 0
    sat = delta / torch.where(maxc > 0, maxc, torch.ones_like(maxc))
    delta_safe = torch.where(has_chroma, delta, torch.ones_like(delta))
    r, g, b = x.unbind(dim=-3)
    rc, gc, bc = (maxc - r) / delta_safe, (maxc - g) / delta_safe, (maxc - b) / delta_safe
    hue = torch.where(maxc == r, bc - gc, torch.where(maxc == g, 2.0 + rc - bc, 4.0 + gc - rc))
    hue = torch.where(has_chroma, hue / 6.0, torch.zeros_like(hue))
    hue = torch.remainder(hue + shift, 1.0)
    h6 = hue * 6.0
    sector = torch.floor(h6)
    f = h6 - sector
    sector = sector.long() % 6
    v = maxc
    p = v * (1 - sat)
    q = v * (1 - sat * f)
    t = v * (1 - sat * (1 - f))
    # per sector (0..5) the (r, g, b) choice among v, q, p, t
    cand_r = torch.stack([v, q, p, p, t, v], dim=0)
    cand_g = torch.stack([t, v, v, q, p, p], dim=0)
    cand_b = torch.stack([p, p, t, v, v, q], dim=0)
    idx = sector.unsqueeze(0)
    out = [c.gather(0, idx).squeeze(0) for c in (cand_r, cand_g, cand_b)]
    return torch.stack(out, dim=-3)


def color_jitter(
    imgs: Tensor,
    brightness: Tuple[float, float] = (0.8, 1.2),
    contrast: Tuple[float, float] = (0.8, 1.2),
    saturation: Tuple[float, float] = (0.8, 1.2),
    hue: Tuple[float, float] = (-0.1, 0.1),
    prob: float = 1.0,
    generator: Optional[torch.Generator] = None,
) -> Tensor:
    """Colour jitter drawn once per sample and applied identically to all its frames.

    The operations are torchvision's ``ColorJitter`` ones (brightness ``x b``, contrast and
    saturation as blends with the mean grey / grey image, hue rotation in HSV), applied in
    this fixed order with factors drawn per sample; a sample is jittered with probability
    ``prob`` and left untouched otherwise. Monodepth2 (ICCV 2019, Sec. 4.1) jitters all
    frames of a sample with the same parameters and feeds only the network with them.

    Args:
        imgs (Tensor): ``(B, F, 3, H, W)`` RGB in [0, 1].
        brightness (tuple[float, float]): Factor range. Defaults to (0.8, 1.2).
        contrast (tuple[float, float]): Factor range. Defaults to (0.8, 1.2).
        saturation (tuple[float, float]): Factor range. Defaults to (0.8, 1.2).
        hue (tuple[float, float]): Hue shift range in turns. Defaults to (-0.1, 0.1).
        prob (float): Probability that a sample is jittered. Defaults to 1.0.
        generator (torch.Generator, optional): Random generator on the images' device.

    Returns:
        Tensor: jittered images, same shape, in [0, 1].
    """
    b = imgs.shape[0]
    kw = dict(device=imgs.device, dtype=imgs.dtype)

    def draw(lo_hi):
        lo, hi = lo_hi
        u = torch.rand(b, generator=generator, **kw)
        return (lo + (hi - lo) * u).view(b, 1, 1, 1, 1)

    apply = (torch.rand(b, generator=generator, **kw) < prob).view(b, 1, 1, 1, 1)
    f_b, f_c, f_s, f_h = draw(brightness), draw(contrast), draw(saturation), draw(hue)
    x = (imgs * f_b).clamp(0, 1)
    mean = _gray(x).mean(dim=(-3, -2, -1), keepdim=True)
    x = (f_c * x + (1 - f_c) * mean).clamp(0, 1)
    gray = _gray(x)
    x = (f_s * x + (1 - f_s) * gray).clamp(0, 1)
    x = _shift_hue(x, f_h.squeeze(-3))
    return torch.where(apply, x, imgs)


def _range(value, center: float) -> Tuple[float, float]:
    if isinstance(value, (int, float)):
        return (max(center - value, 0.0) if center else -value, center + value)
    return float(value[0]), float(value[1])


@MODELS.register_module()
class MultiFrameDataPreProcessor(BaseDataPreprocessor):
    """Turn a batch of packed multi-frame samples into the depth model's inputs.

    Input: ``dict(inputs=[uint8 (F, 3, H, W)] * B, data_samples=[SegDataSample] * B)``
    as written by ``PackMultiFrameInputs``. Output::

        dict(inputs=dict(imgs=(B, F, 3, H, W) float in [0, 1], unaugmented (for losses),
                         aug=(B, F, 3, H, W) network input: colour-jittered (training
                             only) then normalised with mean/std,
                         K=(B, 4, 4), inv_K=(B, 4, 4), stereo_T=(B, 4, 4)),
             data_samples=the samples, on the device)

    ``K``/``inv_K`` are omitted when the samples have no ``cam_K``; ``stereo_T`` defaults
    to identity.

    Args:
        mean (Sequence[float]): Per-channel mean in 0-255 units. Defaults to (0, 0, 0).
        std (Sequence[float]): Per-channel std in 0-255 units. Defaults to
            (255, 255, 255), i.e. the network sees [0, 1]. ImageNet statistics are
            ``mean=(123.675, 116.28, 103.53), std=(58.395, 57.12, 57.375)``; Monodepth2's
            in-encoder normalisation is ``mean=(114.75,) * 3, std=(57.375,) * 3``.
        color_jitter (dict, optional): ``brightness``, ``contrast``, ``saturation``,
            ``hue`` (a number v means [1 - v, 1 + v], or [-v, v] for hue, or a range) and
            ``prob``; missing keys take Monodepth2's values
            (``brightness=0.2, contrast=0.2, saturation=0.2, hue=0.1, prob=0.5``), so
            ``dict()`` is Monodepth2's jitter. Defaults to None (no jitter).
        channels_last (bool): Return the network input in channels-last memory format.
            Defaults to False.
        single_frame (bool): Return only the network input of the first frame,
            ``inputs=(B, 3, H, W)``, for models that take one image (mmseg's
            ``DepthEstimator`` with a Depth Anything head); the samples keep their
            ``gt_depth_map``. Defaults to False.
        non_blocking (bool): Non-blocking host-to-device copies. Defaults to False.
    """

    def __init__(
        self,
        mean: Sequence[float] = (0.0, 0.0, 0.0),
        std: Sequence[float] = (255.0, 255.0, 255.0),
        color_jitter: Optional[dict] = None,
        channels_last: bool = False,
        single_frame: bool = False,
        non_blocking: bool = False,
    ):
        super().__init__(non_blocking=non_blocking)
        if len(mean) != 3 or len(std) != 3:
            raise ValueError(
                f'MultiFrameDataPreProcessor: mean and std need 3 values, got '
                f'mean={list(mean)}, std={list(std)}'
            )
        if any(s <= 0 for s in std):
            raise ValueError(f'MultiFrameDataPreProcessor: std must be positive, got {std}')
        # x_net = (255 x - mean) / std = x * scale - shift
        self.register_buffer(
            'scale', torch.tensor([255.0 / s for s in std]).view(1, 1, 3, 1, 1), persistent=False
        )
        self.register_buffer(
            'shift',
            torch.tensor([m / s for m, s in zip(mean, std)]).view(1, 1, 3, 1, 1),
            persistent=False,
        )
        self.jitter_cfg = None
        if color_jitter is not None:
            cfg = dict(color_jitter)
            self.jitter_cfg = dict(
                brightness=_range(cfg.pop('brightness', 0.2), 1.0),
                contrast=_range(cfg.pop('contrast', 0.2), 1.0),
                saturation=_range(cfg.pop('saturation', 0.2), 1.0),
                hue=_range(cfg.pop('hue', 0.1), 0.0),
                prob=float(cfg.pop('prob', 0.5)),
            )
            if cfg:
                raise KeyError(
                    f'MultiFrameDataPreProcessor.color_jitter: unknown keys '
                    f'{sorted(cfg)}; use brightness, contrast, saturation, hue, prob'
                )
        self.channels_last = channels_last
        self.single_frame = single_frame

    def forward(self, data: dict, training: bool = False) -> dict:
        """Batch, jitter and normalise.

        Args:
            data (dict): ``inputs`` (list of uint8 ``(F, 3, H, W)`` or a stacked tensor)
                and ``data_samples``.
            training (bool): Apply the colour jitter. Defaults to False.

        Returns:
            dict: ``inputs`` (dict of tensors) and ``data_samples``.
        """
        inputs, samples, cameras = self.gather_batch(data)
        imgs, aug = self.prepare_images(inputs, training)
        if self.single_frame:
            return dict(inputs=aug[:, 0], data_samples=samples)
        return dict(inputs=dict(imgs=imgs, aug=aug, **cameras), data_samples=samples)

    @torch.compiler.disable
    def gather_batch(self, data: dict) -> Tuple[Tensor, list, dict]:
        """The host-side part: move to the device, stack and check the frames, and read the
        camera matrices from the samples' metainfo.

        ``torch.compile`` does not trace it (it copies Python metainfo, which holds numpy
        arrays); the device-side part, :meth:`prepare_images`, is traced.

        Returns:
            tuple: ``(B, F, 3, H, W)`` frames, the samples, and ``K``, ``inv_K``,
            ``stereo_T`` (those that apply).
        """
        data = self.cast_data(data)
        inputs, samples = data['inputs'], data.get('data_samples')
        if isinstance(inputs, (list, tuple)):
            shapes = {tuple(x.shape) for x in inputs}
            if len(shapes) > 1:
                raise ValueError(
                    'MultiFrameDataPreProcessor: all samples of a batch need the '
                    f'same frame count and size, got {sorted(shapes)}; resize or '
                    'crop them in the pipeline'
                )
            inputs = torch.stack(list(inputs))
        if inputs.dim() == 4:  # single frame (B, 3, H, W)
            inputs = inputs.unsqueeze(1)
        if inputs.dim() != 5 or inputs.shape[2] != 3:
            raise ValueError(
                'MultiFrameDataPreProcessor expects (F, 3, H, W) frames per '
                f'sample, got a batch of shape {tuple(inputs.shape)}'
            )
        cameras = {}
        if samples:
            metas = [s.metainfo for s in samples]
            if all('cam_K' in m for m in metas):
                K = torch.stack([torch.as_tensor(m['cam_K'], dtype=torch.float32) for m in metas])
                cameras['K'] = K.to(self.device)
                # inverted on the host: on a GPU, linalg.inv's singularity check would make
                # the host wait for the device
                cameras['inv_K'] = torch.linalg.inv(K.cpu()).to(self.device)
            eye = torch.eye(4)
            cameras['stereo_T'] = torch.stack(
                [
                    torch.as_tensor(m['stereo_T'], dtype=torch.float32)
                    if m.get('stereo_T') is not None
                    else eye
                    for m in metas
                ]
            ).to(self.device)
        return inputs, samples, cameras

    def prepare_images(self, inputs: Tensor, training: bool = False) -> Tuple[Tensor, Tensor]:
        """The device-side part: floats in [0, 1], colour jitter, normalisation, layout.

        Args:
            inputs (Tensor): ``(B, F, 3, H, W)`` uint8 (0-255) or float ([0, 1]) frames.
            training (bool): Apply the colour jitter. Defaults to False.

        Returns:
            tuple[Tensor, Tensor]: ``imgs`` (unaugmented, for the losses) and ``aug`` (the
            network input).
        """
        is_uint8 = inputs.dtype == torch.uint8
        imgs = inputs.float() / 255.0 if is_uint8 else inputs.float()
        b, f, _, h, w = imgs.shape
        if training and self.jitter_cfg is not None:
            aug = color_jitter(imgs, **self.jitter_cfg)
        else:
            aug = imgs
        aug = aug * self.scale - self.shift
        if self.channels_last:
            aug = (
                aug.reshape(b * f, 3, h, w)
                .contiguous(memory_format=torch.channels_last)
                .reshape(b, f, 3, h, w)
            )
        return imgs, aug
