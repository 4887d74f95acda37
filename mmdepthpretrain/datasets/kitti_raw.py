"""KITTI raw multi-frame dataset for self-supervised (and lidar-supervised) depth."""

import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset
from mmseg.registry import DATASETS

from .dropped_samples import DroppedSamples, DropRecordMixin, check_on_missing
from .kitti_split import (
    IMAGE_EXTS,
    OTHER_SIDE,
    SIDE_TO_CAM,
    expected_frame_path,
    make_kitti_split,
    parse_split_file,
    resolve_frame,
)
from .kitti_utils import KittiCalib, load_kitti_calib

__all__ = ['KittiRawDepthDataset']

FrameId = Union[int, str]


def check_frame_ids(frame_ids: Sequence[FrameId]) -> List[FrameId]:
    """Validate ``frame_ids``: target ``0`` first, then integer offsets and/or ``'s'``."""
    frame_ids = list(frame_ids)
    if not frame_ids or frame_ids[0] != 0:
        raise ValueError(f'frame_ids must start with the target frame 0, got {frame_ids}')
    for f in frame_ids:
        if not (f == 's' or (isinstance(f, (int, np.integer)) and not isinstance(f, bool))):
            raise ValueError(f"frame_ids entries must be ints or 's', got {f!r}")
    if len(set(map(str, frame_ids))) != len(frame_ids):
        raise ValueError(f'frame_ids has duplicates: {frame_ids}')
    return [f if f == 's' else int(f) for f in frame_ids]


@DATASETS.register_module()
class KittiRawDepthDataset(DropRecordMixin, BaseDataset):
    """KITTI raw sequences as multi-frame samples for depth pre-training.

    Layout (the KITTI raw download, images optionally converted to ``.jpg``)::

        data_root/
          2011_09_26/
            calib_cam_to_cam.txt  calib_velo_to_cam.txt
            2011_09_26_drive_0001_sync/
              image_02/data/0000000000.png   (left colour camera)
              image_03/data/0000000000.png   (right colour camera)
              velodyne_points/data/0000000000.bin

    Samples come from ``ann_file`` (Monodepth2-style split, ``<folder> <index> <l|r>``)
    or, when ``ann_file`` is empty, from every frame of the root whose frames exist
    (see :func:`make_kitti_split`; ``split_cfg`` passes its options). A sample whose
    target, neighbour, other-camera frame or (with ``with_depth``) velodyne scan is
    missing is dropped when the index is built and reported (one line per drive with its
    counts and first missing paths; see :class:`DroppedSamples`); frames missing inside a
    drive of a root without split file are reported the same way. ``on_missing='error'``
    makes any such drop fatal. ``drops`` keeps the record.

    Each data info holds ``img_path``, ``frame_paths`` (aligned with ``frame_ids``),
    ``frame_ids``, ``cam_K`` (4x4 float32 intrinsics of the rectified camera at the
    original image size, from ``P_rect_02``/``P_rect_03``), ``stereo_T`` (``T_other_target``,
    x translation ``-baseline`` for a left target, ``+baseline`` for a right one),
    ``side``, ``folder``, ``frame_index``, ``baseline``, and with ``with_depth``
    ``velo_path`` and ``T_cam_velo`` (velodyne to the target camera). Calibration is
    parsed once per date folder.

    Args:
        ann_file (str): Split file, relative to ``data_root`` unless absolute.
            Defaults to '' (all frames of the root).
        data_root (str): KITTI raw root. Defaults to ''.
        frame_ids (Sequence[int | str]): Frames per sample; ``0`` first, integer
            temporal offsets, ``'s'`` for the other stereo camera. Defaults to
            ``(0, -1, 1)``.
        with_depth (bool): Attach the velodyne scan for lidar depth. Defaults to False.
        split_cfg (dict, optional): Options of :func:`make_kitti_split` used when
            ``ann_file`` is empty (``exclude_scenes``, ``include_scenes``,
            ``static_frames``, ``sides``, ``val_ratio``, ``seed``), plus
            ``subset='train'|'val'`` to pick which part. Defaults to None.
        img_exts (Sequence[str]): Image extensions tried in order. Defaults to
            ``('.png', '.jpg', '.jpeg')``.
        on_missing (str): 'warn' (log what was dropped) or 'error' (fail). Defaults to
            'warn'.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.
    """

    METAINFO: dict = dict(dataset_name='kitti_raw')

    def __init__(
        self,
        ann_file: str = '',
        data_root: str = '',
        frame_ids: Sequence[FrameId] = (0, -1, 1),
        with_depth: bool = False,
        split_cfg: Optional[dict] = None,
        img_exts: Sequence[str] = IMAGE_EXTS,
        on_missing: str = 'warn',
        **kwargs,
    ) -> None:
        self.frame_ids = check_frame_ids(frame_ids)
        self.with_depth = with_depth
        self.split_cfg = dict(split_cfg or {})
        self.img_exts = tuple(img_exts)
        self.on_missing = check_on_missing(on_missing)
        self.drops = DroppedSamples()
        super().__init__(ann_file=ann_file, data_root=data_root, **kwargs)

    def _calib(self, cache: Dict[str, KittiCalib], date: str) -> KittiCalib:
        if date not in cache:
            cache[date] = load_kitti_calib(
                osp.join(self.data_root, date), with_velo=self.with_depth
            )
        return cache[date]

    def load_data_list(self) -> List[dict]:
        """Build the index (see the class docstring)."""
        drops = self.drops = DroppedSamples()
        if self.ann_file:
            entries = parse_split_file(self.ann_file)
            source = self.ann_file
        else:
            cfg = dict(frame_ids=self.frame_ids)
            cfg.update(self.split_cfg)
            subset = cfg.pop('subset', 'train')
            entries = make_kitti_split(self.data_root, drops=drops, **cfg)[subset]
            source = self.data_root
            if not entries:
                raise ValueError(
                    f'No KITTI raw sample found under {self.data_root} '
                    f'(expected <date>/<drive>/image_02/data/*.png|jpg).'
                )
        listing: dict = {}
        calibs: Dict[str, KittiCalib] = {}
        total = len(entries) + len(drops)
        data_list = []
        for folder, idx, side in entries:
            calib = self._calib(calibs, folder.split('/')[0])
            paths, missing, missing_path = [], None, None
            for f in self.frame_ids:
                fside, fidx = (OTHER_SIDE[side], idx) if f == 's' else (side, idx + f)
                p = resolve_frame(self.data_root, folder, fidx, fside, listing, self.img_exts)
                if p is None:
                    missing = ('missing other camera' if f == 's' else
                               'missing target' if f == 0 else 'missing neighbour')
                    missing_path = expected_frame_path(self.data_root, folder, fidx, fside)
                    break
                paths.append(p)
            velo_path = None
            if missing is None and self.with_depth:
                velo_path = osp.join(
                    self.data_root, folder, 'velodyne_points', 'data', f'{idx:010d}.bin'
                )
                if not osp.isfile(velo_path):
                    missing, missing_path = 'missing velodyne', velo_path
            if missing is not None:
                drops.add(folder, missing, missing_path)
                continue
            cam = SIDE_TO_CAM[side]
            info = dict(
                img_path=paths[0],
                frame_paths=paths,
                frame_ids=list(self.frame_ids),
                cam_K=calib.K(cam),
                stereo_T=calib.stereo_T(side),
                baseline=calib.baseline,
                side=side,
                folder=folder,
                frame_index=idx,
            )
            if self.with_depth:
                info['velo_path'] = velo_path
                info['T_cam_velo'] = calib.T_cam_velo(cam).astype(np.float32)
            data_list.append(info)
        drops.report(type(self).__name__, source, total, self.on_missing)
        if not data_list:
            raise ValueError(
                f'{type(self).__name__}: every sample of {source} was dropped '
                f'({dict(drops.reasons)}); check data_root={self.data_root!r} and '
                f'frame_ids={self.frame_ids}.'
            )
        return data_list
