"""Loading transforms: several frames of a sample, lidar depth, dense depth maps."""

import io
from typing import Optional, Sequence, Tuple

import cv2
import mmengine.fileio as fileio
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS
from PIL import Image

from ..kitti_utils import load_velodyne_points, project_points_to_depth
from .camera import scale_intrinsics

__all__ = ['LoadMultiFrameImages', 'LoadDepthFromLidar', 'LoadDepthMap']

_REDUCED_FLAGS = {
    1: cv2.IMREAD_COLOR,
    2: cv2.IMREAD_REDUCED_COLOR_2,
    4: cv2.IMREAD_REDUCED_COLOR_4,
    8: cv2.IMREAD_REDUCED_COLOR_8,
}


def _read_bytes(path: str, backend_args: Optional[dict]) -> bytes:
    try:
        return fileio.get(path, backend_args=backend_args)
    except FileNotFoundError as e:
        raise FileNotFoundError(f'Image not found: {path}') from e


@TRANSFORMS.register_module()
class LoadMultiFrameImages(BaseTransform):
    """Load every frame of a multi-frame sample as RGB uint8 arrays.

    Frames are read from ``results['frame_paths']`` (aligned with
    ``results['frame_ids']``), or ``results['img_path']`` alone (``frame_ids = [0]``).
    When ``decode_size`` is given, JPEG/PNG frames are decoded at a reduced size
    (OpenCV ``IMREAD_REDUCED_COLOR_{2,4,8}``: libjpeg's DCT scaling for JPEG) whenever
    the reduced image is still at least ``decode_size``; this is much cheaper than a
    full decode followed by a resize. A reduction by ``r`` maps pixel centres as a
    resize by exactly ``1/r`` (block averaging), so ``cam_K`` is scaled by ``1/r`` even
    when ``W / r`` is not an integer.

    Required keys: ``frame_paths`` or ``img_path``; optional ``cam_K``, ``frame_ids``,
    ``cam_K_size`` ((width, height) ``cam_K`` refers to when it is not the file's size,
    e.g. NYU's Kinect intrinsics at 640x480 for a resized copy; rescaled to the file
    size first).

    Added keys: ``imgs`` (list of (H, W, 3) uint8 RGB), ``frame_ids``, ``img_shape``,
    ``ori_shape`` (file size), ``ori_cam_K`` (intrinsics at the file size),
    ``cam_K`` (at ``img_shape``), ``scale_factor`` ((w, h) scale from the file size),
    ``decode_reduction`` (r), ``flip`` (False).

    Args:
        decode_size (tuple[int, int], optional): (width, height) the pipeline will
            resize to; enables reduced decoding. Defaults to None (full decode).
        decode_tolerance (float): Also decode at a reduced size that is up to this
            fraction smaller than ``decode_size`` (the resize then upsamples slightly):
            0.05 lets KITTI's 1242x375 JPEGs decode at 621x188 for 640x192, about 2x
            cheaper, at a small loss of sharpness (JPEG only). Defaults to 0 (never
            upsample).
        backend_args (dict, optional): mmengine file backend arguments.
            Defaults to None.
    """

    def __init__(
        self,
        decode_size: Optional[Tuple[int, int]] = None,
        decode_tolerance: float = 0.0,
        backend_args: Optional[dict] = None,
    ) -> None:
        if not 0.0 <= decode_tolerance < 0.5:
            raise ValueError(f'decode_tolerance must be in [0, 0.5), got {decode_tolerance}')
        self.decode_size = tuple(decode_size) if decode_size is not None else None
        self.decode_tolerance = decode_tolerance
        self.backend_args = backend_args.copy() if backend_args else None

    def _reduction(self, data: bytes) -> Tuple[int, Optional[Tuple[int, int]]]:
        if self.decode_size is None:
            return 1, None
        w, h = Image.open(io.BytesIO(data)).size
        tw, th = self.decode_size
        # only JPEG decodes faster at a reduced size (DCT scaling); other formats are
        # decoded in full and resized by OpenCV, so no upsampling tolerance for them
        is_jpeg = data[:2] == b'\xff\xd8'
        keep = 1.0 - self.decode_tolerance if is_jpeg else 1.0
        for r in (8, 4, 2):
            if w // r >= tw * keep and h // r >= th * keep:
                return r, (h, w)
        return 1, (h, w)

    def transform(self, results: dict) -> dict:
        paths = results.get('frame_paths') or [results['img_path']]
        frame_ids = list(results.get('frame_ids', [0]))
        if len(frame_ids) != len(paths):
            raise ValueError(
                f'{len(paths)} frame paths for frame_ids {frame_ids} '
                f'(sample {results.get("img_path")})'
            )
        imgs = []
        r, ori = 1, None
        for i, path in enumerate(paths):
            data = _read_bytes(path, self.backend_args)
            if i == 0:
                r, ori = self._reduction(data)
            img = cv2.imdecode(np.frombuffer(data, np.uint8), _REDUCED_FLAGS[r])
            if img is None:
                raise OSError(f'Cannot decode image {path}')
            imgs.append(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
            if img.shape != imgs[0].shape:
                raise ValueError(
                    f'Frame {path} has shape {img.shape[:2]} but the target '
                    f'{paths[0]} has {imgs[0].shape[:2]}'
                )
        h, w = imgs[0].shape[:2]
        if ori is None:
            ori = (h, w)
        results['imgs'] = imgs
        results['frame_ids'] = frame_ids
        results['img_shape'] = (h, w)
        results['ori_shape'] = tuple(ori)
        results['decode_reduction'] = r
        results['scale_factor'] = (w / ori[1], h / ori[0])
        results.setdefault('flip', False)
        if 'cam_K' in results:
            K = np.asarray(results['cam_K'], dtype=np.float32)
            ref = results.get('cam_K_size')
            if ref is not None and (int(ref[0]), int(ref[1])) != (ori[1], ori[0]):
                K = scale_intrinsics(K, ori[1] / ref[0], ori[0] / ref[1])
            results['ori_cam_K'] = K.copy()
            results['cam_K'] = scale_intrinsics(K, 1.0 / r, 1.0 / r) if r > 1 else K.copy()
        return results

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(decode_size={self.decode_size}, '
            f'decode_tolerance={self.decode_tolerance})'
        )


@TRANSFORMS.register_module()
class LoadDepthFromLidar(BaseTransform):
    """Project a KITTI velodyne scan into a sparse depth map of the target camera.

    Point ``X`` (velodyne) lands at ``K @ T_cam_velo @ X`` (REFERENCE: ``P_rect_0k @
    R_rect_00 @ [R|T]``, with ``P_rect_0k = K [I|t]`` split into intrinsics and the
    ``t`` folded into ``T_cam_velo``); points behind the scanner or outside the image
    are dropped, the nearest depth per pixel is kept (see
    :func:`project_points_to_depth`).

    Required keys: ``velo_path``, ``T_cam_velo``, and ``ori_cam_K``/``ori_shape``
    (``at='original'``) or ``cam_K``/``img_shape`` (``at='current'``).

    Added keys: ``gt_depth_map`` ((H, W) float32 metres, 0 = no point).

    Args:
        at (str): 'original' projects at the original image size (evaluation);
            'current' at the current size of the frames (training at input size; put
            it after resize/crop and before any flip). Defaults to 'original'.
        min_depth (float): Closest point kept. Defaults to 1e-3.
    """

    def __init__(self, at: str = 'original', min_depth: float = 1e-3) -> None:
        if at not in ('original', 'current'):
            raise ValueError(f"at must be 'original' or 'current', got {at!r}")
        self.at = at
        self.min_depth = min_depth

    def transform(self, results: dict) -> dict:
        if results.get('flip', False):
            raise RuntimeError(
                'LoadDepthFromLidar must come before MultiFrameRandomFlip '
                'in the pipeline (it projects with unflipped geometry).'
            )
        if self.at == 'original':
            K = results.get('ori_cam_K', results.get('cam_K'))
            shape = results['ori_shape']
        else:
            K, shape = results['cam_K'], results['img_shape']
        pts = load_velodyne_points(results['velo_path'])
        results['gt_depth_map'] = project_points_to_depth(
            pts, np.asarray(results['T_cam_velo'], dtype=np.float64), K, shape[:2], self.min_depth
        )
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(at={self.at!r})'


@TRANSFORMS.register_module()
class LoadDepthMap(BaseTransform):
    """Load a dense depth map (PNG / NPY) or a Cityscapes disparity map as depth.

    Modes:

    * ``'depth'``: ``depth = value / depth_scale`` (e.g. 256 for uint16 ``depth*256``
      PNGs, 1000 for millimetre PNGs; ``None`` takes the sample's ``depth_scale``, set
      by the datasets); 0 stays 0 (invalid). ``.npy`` float arrays are
      read as metres (no division); non-finite values (inf sky)
      become 0.
    * ``'cityscapes_disparity'``: Cityscapes' uint16 disparity PNG ``p``:
      ``disparity = (p - 1) / 256`` for ``p > 0`` (0 = invalid) and
      ``depth = fx * baseline / disparity`` with ``fx`` of the original image
      (``results['ori_cam_K']`` or ``cam_K``) and ``results['baseline']`` (metres,
      from the camera json). (Cityscapes dataset README, Cordts et al. CVPR 2016.)

    Required keys: ``depth_map_path``; ``baseline`` and intrinsics for disparity.

    Added keys: ``gt_depth_map`` ((H, W) float32 at the file's resolution).

    Args:
        mode (str): 'depth' or 'cityscapes_disparity'. Defaults to 'depth'.
        depth_scale (float, optional): Divisor of stored values in 'depth' mode;
            None reads ``results['depth_scale']``. Defaults to None.
        backend_args (dict, optional): mmengine file backend arguments.
            Defaults to None.
    """

    def __init__(
        self,
        mode: str = 'depth',
        depth_scale: Optional[float] = None,
        backend_args: Optional[dict] = None,
    ) -> None:
        if mode not in ('depth', 'cityscapes_disparity'):
            raise ValueError(f"mode must be 'depth' or 'cityscapes_disparity', got {mode!r}")
        self.mode = mode
        self.depth_scale = None if depth_scale is None else float(depth_scale)
        self.backend_args = backend_args.copy() if backend_args else None

    def _read(self, path: str) -> np.ndarray:
        data = _read_bytes(path, self.backend_args)
        if path.endswith('.npy'):
            return np.load(io.BytesIO(data)).astype(np.float32)
        arr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
        if arr is None:
            raise OSError(f'Cannot decode depth map {path}')
        if arr.ndim == 3:
            raise ValueError(
                f'{path}: expected a single-channel depth/disparity map, got shape {arr.shape}'
            )
        return arr

    def transform(self, results: dict) -> dict:
        path = results['depth_map_path']
        raw = self._read(path)
        if self.mode == 'depth':
            scale = self.depth_scale
            if scale is None:
                if 'depth_scale' not in results:
                    raise KeyError(
                        f'LoadDepthMap: no depth_scale for {path}; set '
                        "LoadDepthMap(depth_scale=...) or the dataset's depth_scale."
                    )
                scale = float(results['depth_scale'])
            depth = raw.astype(np.float32)
            if not path.endswith('.npy'):
                depth = depth / scale
            depth[~np.isfinite(depth)] = 0
        else:
            K = results.get('ori_cam_K', results.get('cam_K'))
            if K is None or 'baseline' not in results:
                raise KeyError(
                    f'Disparity {path} needs the camera intrinsics and baseline '
                    '(results["cam_K"], results["baseline"]).'
                )
            raw = raw.astype(np.float32)
            disp = (raw - 1.0) / 256.0
            valid = (raw > 0) & (disp > 0)
            depth = np.zeros_like(raw, dtype=np.float32)
            depth[valid] = float(K[0][0]) * float(results['baseline']) / disp[valid]
        results['gt_depth_map'] = depth.astype(np.float32)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(mode={self.mode!r}, depth_scale={self.depth_scale})'


def frames_shape(results: dict) -> Sequence[int]:
    """(H, W) of the frames in ``results``."""
    return results['imgs'][0].shape[:2]
