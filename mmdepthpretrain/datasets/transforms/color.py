"""CPU colour jitter shared by all frames of a sample (network-input copy only)."""

from typing import Tuple, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

__all__ = ['MultiFrameColorJitter']

Range = Union[float, Tuple[float, float]]


def _range(value: Range, center: float, name: str) -> Tuple[float, float]:
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f'{name} must be non-negative, got {value}')
        return (max(center - value, 0.0) if center else -value, center + value)
    lo, hi = value
    return float(lo), float(hi)


def _gray(img: np.ndarray) -> np.ndarray:
    return (0.299 * img[..., 0] + 0.587 * img[..., 1] + 0.114 * img[..., 2])[..., None]


@TRANSFORMS.register_module()
class MultiFrameColorJitter(BaseTransform):
    """Colour jitter drawn once per sample and applied to a copy of every frame.

    The default training path jitters on the device in the model's data preprocessor;
    this CPU variant is for pipelines that want it in the loader. The unaugmented
    frames stay in ``imgs`` (the photometric loss sees them); the jittered copies go
    to ``aug_imgs`` and are packed as ``data_sample.aug_imgs``.

    Operations (in a random order per sample, as torchvision's ``ColorJitter``):
    brightness ``x * b``, contrast ``(x - mean(gray)) * c + mean(gray)``, saturation
    ``(x - gray) * s + gray``, hue rotation by ``h`` turns in HSV.

    Args:
        brightness (float | tuple): Factor range, ``b`` in ``[1 - v, 1 + v]``.
            Defaults to 0.2.
        contrast (float | tuple): Defaults to 0.2.
        saturation (float | tuple): Defaults to 0.2.
        hue (float | tuple): Hue shift range in turns, within [-0.5, 0.5].
            Defaults to 0.1.
        prob (float): Probability of jittering (otherwise ``aug_imgs`` are plain
            copies). Defaults to 1.0.
    """

    def __init__(
        self,
        brightness: Range = 0.2,
        contrast: Range = 0.2,
        saturation: Range = 0.2,
        hue: Range = 0.1,
        prob: float = 1.0,
    ) -> None:
        self.brightness = _range(brightness, 1.0, 'brightness')
        self.contrast = _range(contrast, 1.0, 'contrast')
        self.saturation = _range(saturation, 1.0, 'saturation')
        self.hue = _range(hue, 0.0, 'hue')
        self.prob = prob

    def transform(self, results: dict) -> dict:
        imgs = results['imgs']
        if np.random.rand() >= self.prob:
            results['aug_imgs'] = [img.copy() for img in imgs]
            return results
        b = np.random.uniform(*self.brightness)
        c = np.random.uniform(*self.contrast)
        s = np.random.uniform(*self.saturation)
        h = np.random.uniform(*self.hue)
        order = np.random.permutation(4)
        out = []
        for img in imgs:
            x = img.astype(np.float32)
            for op in order:
                if op == 0:
                    x = x * b
                elif op == 1:
                    m = float(_gray(x).mean())
                    x = (x - m) * c + m
                elif op == 2:
                    g = _gray(x)
                    x = (x - g) * s + g
                elif h != 0.0:
                    hsv = cv2.cvtColor(np.clip(x, 0, 255).astype(np.uint8), cv2.COLOR_RGB2HSV_FULL)
                    hsv[..., 0] = (hsv[..., 0].astype(np.int32) + int(round(h * 256))) % 256
                    x = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB_FULL).astype(np.float32)
                x = np.clip(x, 0, 255)
            out.append(x.round().astype(np.uint8))
        results['aug_imgs'] = out
        results['color_jitter'] = (b, c, s, h)
        return results

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(brightness={self.brightness}, '
            f'contrast={self.contrast}, saturation={self.saturation}, hue={self.hue})'
        )
