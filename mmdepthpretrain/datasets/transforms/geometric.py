"""Geometry-aware resize, crop and flip of every frame (and depth) of a sample.

Each transform keeps ``cam_K`` valid for the frames it outputs (see
:mod:`.camera` for the formulas) and the flip also mirrors ``stereo_T``.
"""

from typing import Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from .camera import crop_intrinsics, flip_intrinsics, flip_transform, scale_intrinsics

__all__ = ['MultiFrameResize', 'MultiFrameRandomCrop', 'MultiFrameRandomFlip', 'resize_area']

_INTERP = {
    'nearest': cv2.INTER_NEAREST_EXACT,
    'bilinear': cv2.INTER_LINEAR,
    'area': cv2.INTER_AREA,
    'area_exact': cv2.INTER_AREA,
    'bicubic': cv2.INTER_CUBIC,
}


def resize_area(img: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
    """Anti-aliased downscale to ``size`` (w, h) in two cheap pixel-centre-aligned steps.

    OpenCV's area interpolation is fast only for integer factors. With
    ``k = ceil(old / new)`` per axis, a bilinear resize to ``k * new`` (a slight
    upscale) followed by an exact ``k``-fold area average maps pixel centres exactly
    as one resize by ``new / old`` does, so intrinsics follow the usual formula; the
    result is within 0.1 grey levels (mean) of ``cv2.INTER_AREA`` at a third of its
    cost for KITTI's 1242x375 -> 640x192.
    """
    h, w = img.shape[:2]
    tw, th = size
    kx, ky = -(-w // tw), -(-h // th)
    if kx < 2 or ky < 2 or (w == kx * tw and h == ky * th):
        return cv2.resize(img, (tw, th), interpolation=cv2.INTER_AREA)
    mid = cv2.resize(img, (tw * kx, th * ky), interpolation=cv2.INTER_LINEAR)
    return cv2.resize(mid, (tw, th), interpolation=cv2.INTER_AREA)


def _depth_matches(results: dict, shape: Tuple[int, int]) -> bool:
    d = results.get('gt_depth_map')
    return d is not None and tuple(d.shape[:2]) == tuple(shape)


@TRANSFORMS.register_module()
class MultiFrameResize(BaseTransform):
    """Resize every frame to ``scale`` and update ``cam_K``.

    With ``resize_depth`` the depth map (whatever its size, e.g. the original size
    after a reduced decode) is resized to the output size with pixel-centre nearest
    neighbour (``cv2.INTER_NEAREST_EXACT``; sparse lidar maps can lose points when
    downscaled: project after the resize with ``LoadDepthFromLidar(at='current')`` to
    avoid it). Set ``resize_depth=False`` to evaluate at the original resolution.

    Required keys: ``imgs``. Modified: ``imgs``, ``cam_K``, ``img_shape``,
    ``scale_factor``, ``gt_depth_map``.

    Args:
        scale (tuple[int, int]): Output (width, height), mmseg order.
        keep_ratio (bool): Fit inside ``scale`` keeping the aspect ratio.
            Defaults to False.
        interpolation (str): 'area' (anti-aliased downscale, computed by
            :func:`resize_area`), 'area_exact' (``cv2.INTER_AREA`` in one step),
            'bilinear', 'bicubic' or 'nearest'. Defaults to 'area'.
        resize_depth (bool): Resize the depth map to the output size.
            Defaults to True.
    """

    def __init__(
        self,
        scale: Tuple[int, int],
        keep_ratio: bool = False,
        interpolation: str = 'area',
        resize_depth: bool = True,
    ) -> None:
        if interpolation not in _INTERP:
            raise ValueError(f'interpolation must be one of {list(_INTERP)}')
        self.scale = (int(scale[0]), int(scale[1]))
        self.keep_ratio = keep_ratio
        self.interpolation = interpolation
        self.resize_depth = resize_depth

    def transform(self, results: dict) -> dict:
        imgs = results['imgs']
        h, w = imgs[0].shape[:2]
        tw, th = self.scale
        if self.keep_ratio:
            s = min(tw / w, th / h)
            tw, th = int(w * s + 0.5), int(h * s + 0.5)
        if (
            self.resize_depth
            and results.get('gt_depth_map') is not None
            and tuple(results['gt_depth_map'].shape[:2]) != (th, tw)
        ):
            results['gt_depth_map'] = cv2.resize(
                results['gt_depth_map'], (tw, th), interpolation=cv2.INTER_NEAREST_EXACT
            )
        if (tw, th) == (w, h):
            return results
        interp = _INTERP[self.interpolation]
        if interp == cv2.INTER_AREA and (tw > w or th > h):
            interp = cv2.INTER_LINEAR
        if interp == cv2.INTER_AREA and self.interpolation == 'area':
            results['imgs'] = [resize_area(img, (tw, th)) for img in imgs]
        else:
            results['imgs'] = [cv2.resize(img, (tw, th), interpolation=interp) for img in imgs]
        sx, sy = tw / w, th / h
        if 'cam_K' in results:
            results['cam_K'] = scale_intrinsics(results['cam_K'], sx, sy)
        results['img_shape'] = (th, tw)
        fx, fy = results.get('scale_factor', (1.0, 1.0))
        results['scale_factor'] = (fx * sx, fy * sy)
        return results

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(scale={self.scale}, keep_ratio={self.keep_ratio}, '
            f'interpolation={self.interpolation!r})'
        )


@TRANSFORMS.register_module()
class MultiFrameRandomCrop(BaseTransform):
    """Crop the same random window from every frame and the depth map.

    Required keys: ``imgs``. Modified: ``imgs``, ``cam_K`` (``cx -= x0``,
    ``cy -= y0``), ``img_shape``, ``gt_depth_map``; added ``crop_bbox`` (x0, y0, x1, y1).

    Args:
        crop_size (tuple[int, int]): (height, width) of the crop, mmseg order.
        prob (float): Probability of cropping; otherwise a centre crop is taken so
            the output size is always ``crop_size``. Defaults to 1.0.
    """

    def __init__(self, crop_size: Tuple[int, int], prob: float = 1.0) -> None:
        self.crop_size = (int(crop_size[0]), int(crop_size[1]))
        self.prob = prob

    def transform(self, results: dict) -> dict:
        imgs = results['imgs']
        h, w = imgs[0].shape[:2]
        ch, cw = self.crop_size
        if ch > h or cw > w:
            raise ValueError(
                f'crop_size {self.crop_size} larger than the frames ({h}, {w}) '
                f'of {results.get("img_path")}; resize first.'
            )
        if np.random.rand() < self.prob:
            y0 = np.random.randint(0, h - ch + 1)
            x0 = np.random.randint(0, w - cw + 1)
        else:
            y0, x0 = (h - ch) // 2, (w - cw) // 2
        results['imgs'] = [img[y0 : y0 + ch, x0 : x0 + cw] for img in imgs]
        if 'gt_depth_map' in results:
            if not _depth_matches(results, (h, w)):
                raise ValueError(
                    'MultiFrameRandomCrop: gt_depth_map '
                    f'{results["gt_depth_map"].shape} does not match the frames '
                    f'({h}, {w}); resize the depth with the frames first.'
                )
            results['gt_depth_map'] = results['gt_depth_map'][y0 : y0 + ch, x0 : x0 + cw]
        if 'cam_K' in results:
            results['cam_K'] = crop_intrinsics(results['cam_K'], x0, y0)
        results['img_shape'] = (ch, cw)
        results['crop_bbox'] = (x0, y0, x0 + cw, y0 + ch)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(crop_size={self.crop_size}, prob={self.prob})'


@TRANSFORMS.register_module()
class MultiFrameRandomFlip(BaseTransform):
    """Horizontally flip every frame and the depth map together, with probability.

    The flipped sample is the view of a mirrored world: ``cam_K`` becomes
    ``cx' = W - 1 - cx`` and every rigid transform in ``pose_keys`` (by default
    ``stereo_T``) becomes ``F T F`` with ``F = diag(-1, 1, 1, 1)``, which negates the
    stereo x translation (the other camera swaps side).

    Required keys: ``imgs``. Modified: ``imgs``, ``cam_K``, ``gt_depth_map``, the
    ``pose_keys``; added ``flip``, ``flip_direction``.

    Args:
        prob (float): Flip probability. Defaults to 0.5.
        pose_keys (Sequence[str]): 4x4 transforms (or lists of them) to mirror.
            Defaults to ``('stereo_T',)``.
    """

    def __init__(self, prob: float = 0.5, pose_keys: Sequence[str] = ('stereo_T',)) -> None:
        self.prob = prob
        self.pose_keys = tuple(pose_keys)

    def transform(self, results: dict) -> dict:
        flip = bool(np.random.rand() < self.prob)
        results['flip'] = flip
        results['flip_direction'] = 'horizontal' if flip else None
        if not flip:
            return results
        imgs = results['imgs']
        w = imgs[0].shape[1]
        results['imgs'] = [cv2.flip(np.ascontiguousarray(img), 1) for img in imgs]
        if results.get('gt_depth_map') is not None:
            results['gt_depth_map'] = np.ascontiguousarray(results['gt_depth_map'][:, ::-1])
        if 'cam_K' in results:
            results['cam_K'] = flip_intrinsics(results['cam_K'], w)
        for key in self.pose_keys:
            T = results.get(key)
            if T is None:
                continue
            if isinstance(T, (list, tuple)):
                results[key] = [flip_transform(t) for t in T]
            else:
                results[key] = flip_transform(T)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(prob={self.prob}, pose_keys={self.pose_keys})'
