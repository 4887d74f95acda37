"""Image / dense-depth pairs (NYUv2 and the NYU-style synthetic world)."""

import os
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
from mmengine.dataset import BaseDataset
from mmseg.registry import DATASETS

from .dropped_samples import DroppedSamples, DropRecordMixin, check_on_missing

__all__ = ['NYUDepthDataset', 'NYU_KINECT_K']

# Colour-camera intrinsics of the NYU Depth v2 Kinect (NYU toolbox, camera_params.m),
# for 640x480 images.
NYU_KINECT_K = ((518.857901, 0.0, 325.582449), (0.0, 519.469611, 253.736166), (0.0, 0.0, 1.0))


def _k4(K: Sequence[Sequence[float]]) -> np.ndarray:
    K = np.asarray(K, dtype=np.float32)
    if K.shape == (4, 4):
        return K.copy()
    if K.shape != (3, 3):
        raise ValueError(f'cam_K must be 3x3 or 4x4, got shape {K.shape}')
    out = np.eye(4, dtype=np.float32)
    out[:3, :3] = K
    return out


@DATASETS.register_module()
class NYUDepthDataset(DropRecordMixin, BaseDataset):
    """RGB images with dense depth for supervised depth pre-training.

    Two ways to list samples:

    * ``ann_file``: one ``<rgb_path> <depth_path> [focal]`` entry per line (the format
      of the common NYUv2 ``nyudepthv2_*_files_with_gt.txt`` lists); paths are relative
      to ``data_root/list_prefix`` (a leading ``/`` is dropped, as in those lists);
    * folders (``ann_file=''``): every ``*{img_suffix}`` under
      ``data_prefix['img_path']`` paired with the same relative name ending in
      ``depth_map_suffix`` under ``data_prefix['depth_map_path']`` (mmseg's NYU
      layout ``images/{split}`` + ``annotations/{split}`` by default).

    Stored depth values are divided by ``depth_scale`` to give metres (1000 for
    millimetre PNGs, 256 for ``depth * 256`` PNGs); 0 is invalid. Each data info holds
    ``img_path``, ``depth_map_path``, ``depth_scale``, ``cam_K`` and ``cam_K_size``
    (the intrinsics and the image size they belong to; ``LoadMultiFrameImages``
    rescales them to the actual image size, so a resized copy of NYU works unchanged),
    identity ``stereo_T`` and ``frame_ids=[0]``. Pairs whose image or depth file is
    missing are dropped and counted.

    Args:
        ann_file (str): Pair list. Defaults to '' (folders).
        data_root (str): Dataset root. Defaults to ''.
        data_prefix (dict): ``img_path`` and ``depth_map_path`` folders.
            Defaults to ``dict(img_path='images/train', depth_map_path='annotations/train')``.
        img_suffix (str): Defaults to '.jpg'.
        depth_map_suffix (str): Defaults to '.png'.
        depth_scale (float): Stored value per metre. Defaults to 1000.
        list_prefix (str): Folder the ``ann_file`` paths are relative to, relative to
            ``data_root``. Defaults to ''.
        cam_K (Sequence): Intrinsics (3x3 or 4x4) at ``cam_K_size``.
            Defaults to the NYUv2 Kinect colour camera.
        cam_K_size (tuple[int, int]): (width, height) ``cam_K`` refers to.
            Defaults to (640, 480).
        intrinsics_file (str, optional): Text file with a 3x3/4x4 intrinsics matrix
            at ``cam_K_size``, relative to ``data_root``; overrides ``cam_K``.
            Defaults to None.
        on_missing (str): 'warn' (log the pairs dropped for a missing image or depth map)
            or 'error' (fail). Defaults to 'warn'.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.
    """

    METAINFO: dict = dict(dataset_name='nyu_depth')

    def __init__(
        self,
        ann_file: str = '',
        data_root: str = '',
        data_prefix: Optional[dict] = None,
        img_suffix: str = '.jpg',
        depth_map_suffix: str = '.png',
        depth_scale: float = 1000.0,
        list_prefix: str = '',
        cam_K: Sequence[Sequence[float]] = NYU_KINECT_K,
        cam_K_size: Sequence[int] = (640, 480),
        intrinsics_file: Optional[str] = None,
        on_missing: str = 'warn',
        **kwargs,
    ) -> None:
        if data_prefix is None:
            data_prefix = dict(img_path='images/train', depth_map_path='annotations/train')
        self.img_suffix = img_suffix
        self.depth_map_suffix = depth_map_suffix
        self.depth_scale = float(depth_scale)
        self._K = _k4(cam_K)
        self.cam_K_size = (int(cam_K_size[0]), int(cam_K_size[1]))
        self.list_prefix = list_prefix
        self.intrinsics_file = intrinsics_file
        self.on_missing = check_on_missing(on_missing)
        self.drops = DroppedSamples()
        super().__init__(ann_file=ann_file, data_root=data_root, data_prefix=data_prefix, **kwargs)

    def _intrinsics(self) -> np.ndarray:
        if not self.intrinsics_file:
            return self._K
        path = self.intrinsics_file
        if not osp.isabs(path) and self.data_root:
            path = osp.join(self.data_root, path)
        if not osp.isfile(path):
            raise FileNotFoundError(f'Intrinsics file not found: {path}')
        return _k4(np.loadtxt(path))

    def _pairs(self) -> List[tuple]:
        if self.ann_file:
            if not osp.isfile(self.ann_file):
                raise FileNotFoundError(f'Depth pair list not found: {self.ann_file}')
            pairs = []
            with open(self.ann_file) as f:
                for lineno, line in enumerate(f, 1):
                    parts = line.split()
                    if not parts:
                        continue
                    if len(parts) < 2:
                        raise ValueError(
                            f'{self.ann_file}:{lineno}: expected '
                            f'"<rgb_path> <depth_path> [focal]", '
                            f'got {line.strip()!r}'
                        )
                    base = osp.join(self.data_root or '', self.list_prefix)
                    pairs.append(tuple(osp.join(base, p.lstrip('/')) for p in parts[:2]))
            if not pairs:
                raise ValueError(f'Depth pair list {self.ann_file} holds no pair.')
            return pairs
        img_dir = self.data_prefix['img_path']
        depth_dir = self.data_prefix['depth_map_path']
        if not osp.isdir(img_dir):
            raise FileNotFoundError(f'Image folder not found: {img_dir}')
        pairs = []
        for dirpath, _, files in os.walk(img_dir):
            for n in files:
                if n.endswith(self.img_suffix):
                    rel = osp.relpath(osp.join(dirpath, n), img_dir)
                    stem = rel[: -len(self.img_suffix)]
                    pairs.append(
                        (osp.join(img_dir, rel), osp.join(depth_dir, stem + self.depth_map_suffix))
                    )
        if not pairs:
            raise ValueError(f'No image matching *{self.img_suffix} under {img_dir}')
        return sorted(pairs)

    def load_data_list(self) -> List[dict]:
        """Build the index (see the class docstring)."""
        K = self._intrinsics()
        pairs = self._pairs()
        drops = self.drops = DroppedSamples()
        data_list = []
        for rgb, depth in pairs:
            if not osp.isfile(rgb) or not osp.isfile(depth):
                why, gone = (('missing image', rgb) if not osp.isfile(rgb) else
                             ('missing depth', depth))
                drops.add(osp.dirname(gone), why, gone)
                continue
            data_list.append(
                dict(
                    img_path=rgb,
                    depth_map_path=depth,
                    depth_scale=self.depth_scale,
                    cam_K=K.copy(),
                    cam_K_size=self.cam_K_size,
                    stereo_T=np.eye(4, dtype=np.float32),
                    frame_ids=[0],
                )
            )
        drops.report(type(self).__name__, self.ann_file or self.data_prefix['img_path'],
                     len(pairs), self.on_missing)
        if not data_list:
            raise ValueError(
                f'{type(self).__name__}: every pair was dropped ({dict(drops.reasons)}).')
        return data_list
