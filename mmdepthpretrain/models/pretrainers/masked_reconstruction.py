"""Masked-reconstruction (inpainting) pre-training baseline."""

from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import ConfigType, OptConfigType, OptSampleList, SampleList
from torch import Tensor

from .base_pretrainer import BasePretrainer, ordered_frames

__all__ = ['MaskedReconstructionEstimator', 'random_rectangle_masks']

DEFAULT_RECONSTRUCTION_LOSS = dict(type='MaskedReconstructionLoss')


def random_rectangle_masks(
    batch: int,
    height: int,
    width: int,
    num_masks: Tuple[int, int] = (1, 3),
    mask_size: Tuple[float, float] = (0.1, 0.4),
    generator: Optional[torch.Generator] = None,
    device: Union[str, torch.device] = 'cpu',
) -> Tensor:
    """Union of random axis-aligned rectangles per image.

    Each image gets ``k ~ U{num_masks[0], ..., num_masks[1]}`` rectangles; each rectangle's
    height and width are independent fractions ``U(mask_size)`` of the image height and
    width (at least one pixel) and its position is uniform with the rectangle inside the
    image.

    Args:
        batch (int): Number of masks B.
        height (int): Image height H.
        width (int): Image width W.
        num_masks (tuple[int, int]): Inclusive range of the rectangle count.
            Defaults to (1, 3).
        mask_size (tuple[float, float]): Range of a side as a fraction of the image side.
            Defaults to (0.1, 0.4).
        generator (torch.Generator, optional): Random generator (on ``device``).
        device (str | torch.device): Device of the output. Defaults to 'cpu'.

    Returns:
        Tensor: ``(B, 1, H, W)`` float mask, 1 = removed.
    """
    lo_n, hi_n = int(num_masks[0]), int(num_masks[1])
    lo_s, hi_s = float(mask_size[0]), float(mask_size[1])
    if not 0 <= lo_n <= hi_n or hi_n < 1:
        raise ValueError(
            f'num_masks must be a range (min, max) with 0 <= min <= max, max >= 1, got {num_masks}'
        )
    if not 0 < lo_s <= hi_s <= 1:
        raise ValueError(f'mask_size must be fractions 0 < min <= max <= 1, got {mask_size}')
    kw = dict(generator=generator, device=device)
    count = torch.randint(lo_n, hi_n + 1, (batch, 1), **kw)
    active = torch.arange(hi_n, device=device).view(1, hi_n) < count  # (B, N)

    def sides(size):
        frac = lo_s + (hi_s - lo_s) * torch.rand(batch, hi_n, **kw)
        return (frac * size).round().clamp(1, size)

    h, w = sides(height), sides(width)
    y0 = (torch.rand(batch, hi_n, **kw) * (height - h + 1)).floor()
    x0 = (torch.rand(batch, hi_n, **kw) * (width - w + 1)).floor()
    ys = torch.arange(height, device=device, dtype=h.dtype).view(1, 1, height, 1)
    xs = torch.arange(width, device=device, dtype=w.dtype).view(1, 1, 1, width)
    inside = (
        (ys >= y0[..., None, None])
        & (ys < (y0 + h)[..., None, None])
        & (xs >= x0[..., None, None])
        & (xs < (x0 + w)[..., None, None])
    )
    mask = (inside & active[..., None, None]).any(dim=1, keepdim=True)
    return mask.float()


@MODELS.register_module()
class MaskedReconstructionEstimator(BasePretrainer):
    """Inpainting: reconstruct an image whose random rectangles were removed.

    The masked-reconstruction baseline of Lao et al. (Table 4, "Reconstruction"), in the
    spirit of context encoders (Pathak et al., "Context Encoders: Feature Learning by
    Inpainting", CVPR 2016): random rectangles of the network input are replaced by a fill
    value, the depth network's encoder (``backbone.*``) and decoder family
    (:class:`RGBHead`, sigmoid RGB) reconstruct the image, and the loss is the L1 error on
    the removed pixels (optionally plus a weighted term on the visible ones). Only the
    encoder is transferred to segmentation.

    The target is the image the network was given before masking and normalisation
    (i.e. after the preprocessor's colour jitter, which the network cannot undo); the
    fill is applied in that [0, 1] space: ``'zero'`` is black, ``'mean'`` the per-image,
    per-channel mean of the image.

    Call graph::

        loss():    _input_and_target() -> random_rectangle_masks() -> _apply_mask()
                   -> predict_images() -> reconstruction_loss
        predict(): same masks from a fixed seed -> pred_recon, recon_mask, recon_target
        _forward(): predict_images() of the unmasked input

    Args:
        backbone (ConfigType): Encoder config (e.g. ``DepthResNet``).
        decode_head (ConfigType): ``RGBHead`` config.
        num_masks (tuple[int, int]): Inclusive range of rectangles per image.
            Defaults to (1, 3).
        mask_size (tuple[float, float]): Range of a rectangle side as a fraction of the
            image side. Defaults to (0.1, 0.4).
        fill (str): 'zero' or 'mean'. Defaults to 'zero'.
        reconstruction_loss (ConfigType): Defaults to ``MaskedReconstructionLoss``
            (masked pixels only).
        frame_id (int): Frame of the sample to reconstruct. Defaults to 0.
        test_seed (int): Seed of the masks drawn by ``predict`` (evaluation is
            repeatable). Defaults to 0.
        neck (OptConfigType): Optional neck. Defaults to None.
        train_cfg (OptConfigType): Unused. Defaults to None.
        test_cfg (OptConfigType): Unused. Defaults to None.
        data_preprocessor (OptConfigType): Defaults to :class:`MultiFrameDataPreProcessor`.
        init_cfg (OptConfigType): Initialisation config. Defaults to None.
    """

    def __init__(
        self,
        backbone: ConfigType,
        decode_head: ConfigType,
        num_masks: Sequence[int] = (1, 3),
        mask_size: Sequence[float] = (0.1, 0.4),
        fill: str = 'zero',
        reconstruction_loss: ConfigType = DEFAULT_RECONSTRUCTION_LOSS,
        frame_id: int = 0,
        test_seed: int = 0,
        neck: OptConfigType = None,
        train_cfg: OptConfigType = None,
        test_cfg: OptConfigType = None,
        data_preprocessor: OptConfigType = None,
        init_cfg: OptConfigType = None,
    ):
        if fill not in ('zero', 'mean'):
            raise ValueError(
                f"MaskedReconstructionEstimator: fill must be 'zero' or 'mean', got {fill!r}"
            )
        # validate the mask options once, at build time
        random_rectangle_masks(1, 4, 4, tuple(num_masks), tuple(mask_size))
        super().__init__(backbone, decode_head, neck=neck, train_cfg=train_cfg,
                         test_cfg=test_cfg, data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.num_masks = tuple(int(n) for n in num_masks)
        self.mask_size = tuple(float(s) for s in mask_size)
        self.fill = fill
        self.frame_id = frame_id
        self.test_seed = int(test_seed)
        self.reconstruction_loss = MODELS.build(dict(reconstruction_loss))

    # ----------------------------------------------------------------- helpers
    def _norm_params(self, ref: Tensor) -> Tuple[Tensor, Tensor]:
        """``(scale, shift)`` with ``x_net = x * scale - shift`` (identity if unknown)."""
        scale = getattr(self.data_preprocessor, 'scale', None)
        shift = getattr(self.data_preprocessor, 'shift', None)
        if scale is None or shift is None:
            return ref.new_ones(1, 3, 1, 1), ref.new_zeros(1, 3, 1, 1)
        return scale.reshape(1, 3, 1, 1).to(ref), shift.reshape(1, 3, 1, 1).to(ref)

    def _input_and_target(self, inputs: dict, data_samples: OptSampleList) -> Tuple[Tensor, Tensor]:
        """Normalised network input and its [0, 1] version (the target), ``(B, 3, H, W)``."""
        _, aug = ordered_frames(inputs, data_samples, [self.frame_id], type(self).__name__)
        aug = aug[:, 0]
        scale, shift = self._norm_params(aug)
        target = ((aug + shift) / scale).clamp(0, 1)
        return aug, target

    def _apply_mask(self, aug: Tensor, target: Tensor, mask: Tensor) -> Tensor:
        """Replace the masked pixels of the normalised input by the fill value."""
        scale, shift = self._norm_params(aug)
        if self.fill == 'zero':
            fill = (-shift).expand_as(aug)
        else:
            fill = (target.mean(dim=(2, 3), keepdim=True) * scale - shift).expand_as(aug)
        return torch.where(mask.bool(), fill, aug)

    def make_masks(self, ref: Tensor, seed: Optional[int] = None) -> Tensor:
        """Random masks ``(B, 1, H, W)`` for images like ``ref`` (fixed ``seed`` if given)."""
        b, _, h, w = ref.shape
        if seed is None:
            return random_rectangle_masks(
                b, h, w, self.num_masks, self.mask_size, device=ref.device
            )
        g = torch.Generator().manual_seed(seed)
        return random_rectangle_masks(b, h, w, self.num_masks, self.mask_size, generator=g).to(
            ref.device
        )

    # ----------------------------------------------------------------- networks

    def predict_images(self, inputs: Tensor) -> List[Tensor]:
        """Reconstructions per scale (finest first), ``(B, 3, h_s, w_s)`` in [0, 1]."""
        return list(self.decode_head(self.extract_feat(inputs)))

    # ------------------------------------------------------------------- modes
    def loss(self, inputs: dict, data_samples: SampleList) -> dict:
        """Masked L1 loss of one batch.

        Args:
            inputs (dict): ``imgs`` and ``aug`` from :class:`MultiFrameDataPreProcessor`.
            data_samples (list[SegDataSample]): Samples (for the frame order).

        Returns:
            dict[str, Tensor]: ``loss_recon``.
        """
        aug, target = self._input_and_target(inputs, data_samples)
        mask = self.make_masks(aug)
        preds = self.predict_images(self._apply_mask(aug, target, mask))
        loss = self.reconstruction_loss(preds, target, mask, self.decode_head.scales)
        return {self.reconstruction_loss.loss_name: loss}

    def predict(self, inputs: dict, data_samples: OptSampleList = None) -> SampleList:
        """Reconstruct images masked with seeded (repeatable) rectangles.

        Args:
            inputs (dict): From :class:`MultiFrameDataPreProcessor`.
            data_samples (list[SegDataSample], optional): Samples to fill.

        Returns:
            list[SegDataSample]: with ``pred_recon`` (``(3, H, W)`` in [0, 1]),
            ``recon_mask`` (``(1, H, W)``, 1 = removed) and ``recon_target`` (the image).
        """
        aug, target = self._input_and_target(inputs, data_samples)
        mask = self.make_masks(aug, seed=self.test_seed)
        pred = self.predict_images(self._apply_mask(aug, target, mask))[0]
        if pred.shape[-2:] != aug.shape[-2:]:
            pred = F.interpolate(pred, size=aug.shape[-2:], mode='bilinear', align_corners=False)
        if data_samples is None:
            data_samples = [SegDataSample() for _ in range(pred.shape[0])]
        for i, sample in enumerate(data_samples):
            sample.set_data(
                dict(
                    pred_recon=PixelData(data=pred[i]),
                    recon_mask=PixelData(data=mask[i]),
                    recon_target=PixelData(data=target[i]),
                )
            )
        return data_samples

    def encode_decode(self, inputs: Tensor, batch_img_metas: List[dict]) -> Tensor:
        """Finest reconstruction ``(B, 3, H, W)`` of normalised (unmasked) images."""
        pred = self.predict_images(inputs)[0]
        if pred.shape[-2:] != inputs.shape[-2:]:
            pred = F.interpolate(pred, size=inputs.shape[-2:], mode='bilinear', align_corners=False)
        return pred

    def _forward(
        self, inputs: Union[dict, Tensor], data_samples: OptSampleList = None
    ) -> List[Tensor]:
        """Reconstructions per scale of the unmasked input.

        Args:
            inputs (dict | Tensor): The preprocessor's dict, or normalised images
                ``(B, 3, H, W)``.
            data_samples (list, optional): Used to locate the frame.

        Returns:
            list[Tensor]: ``(B, 3, h_s, w_s)`` in [0, 1].
        """
        if isinstance(inputs, Tensor):
            return self.predict_images(inputs)
        aug, _ = self._input_and_target(inputs, data_samples)
        return self.predict_images(aug)
