"""Cityscapes sequences for self-supervised depth and disparity-derived depth GT."""

import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.dataset import BaseDataset
from mmseg.registry import DATASETS

from .dropped_samples import DroppedSamples, DropRecordMixin, check_on_missing
from .kitti_raw import FrameId, check_frame_ids

__all__ = ['CityscapesDepthDataset', 'load_cityscapes_camera']

IMG_EXTS = ('.png', '.jpg', '.jpeg')


def load_cityscapes_camera(path: str) -> Tuple[np.ndarray, float]:
    """Intrinsics and stereo baseline from a Cityscapes ``*_camera.json``.

    The file holds ``intrinsic: {fx, fy, u0, v0}`` and ``extrinsic: {baseline, ...}``
    (Cityscapes ``camera_trainvaltest`` package).

    Args:
        path (str): Camera json.

    Returns:
        tuple[np.ndarray, float]: 4x4 float32 K and the baseline in metres.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'Cityscapes camera file not found: {path}')
    with open(path) as f:
        cam = json.load(f)
    try:
        intr, extr = cam['intrinsic'], cam['extrinsic']
        K = np.eye(4, dtype=np.float32)
        K[0, 0], K[1, 1] = intr['fx'], intr['fy']
        K[0, 2], K[1, 2] = intr['u0'], intr['v0']
        baseline = float(extr['baseline'])
    except KeyError as e:
        raise KeyError(
            f'{path}: missing camera entry {e}; expected intrinsic.fx/fy/u0/v0 '
            'and extrinsic.baseline'
        ) from e
    return K, baseline


def _parse_name(name: str, suffix: str) -> Optional[Tuple[str, int, int, str]]:
    stem, ext = osp.splitext(name)
    if ext.lower() not in IMG_EXTS or not stem.endswith('_' + suffix):
        return None
    parts = stem[: -len(suffix) - 1].rsplit('_', 2)
    if len(parts) != 3 or not (parts[1].isdigit() and parts[2].isdigit()):
        return None
    return parts[0], int(parts[1]), int(parts[2]), ext


@DATASETS.register_module()
class CityscapesDepthDataset(DropRecordMixin, BaseDataset):
    """Cityscapes frames with sequence neighbours, stereo and disparity depth.

    Layout (Cityscapes downloads)::

        data_root/leftImg8bit_sequence/{split}/{city}/{city}_{seq}_{frame}_leftImg8bit.png
        data_root/rightImg8bit_sequence/{split}/{city}/..._rightImg8bit.png  (for 's')
        data_root/disparity/{split}/{city}/{city}_{seq}_{frame}_disparity.png
        data_root/camera/{split}/{city}/{city}_{seq}_{frame}_camera.json

    Every frame of ``img_dir`` whose neighbours (integer ``frame_ids``), right image
    (``'s'``) and, with ``with_depth``, disparity map exist becomes a sample; others
    are dropped when the index is built and counted in the log. The camera json of the
    frame itself is used, else the one of its snippet (Cityscapes ships one per
    annotated frame, i.e. per 30-frame snippet); a snippet without one is an error
    naming the expected path. Depth is ``fx * baseline / disparity`` with
    ``disparity = (p - 1) / 256`` for ``p > 0`` (``LoadDepthMap(mode=
    'cityscapes_disparity')``). For "depth-cropped" training put a
    ``MultiFrameRandomCrop(crop_size=(256, 256))`` in the pipeline.

    Args:
        data_root (str): Cityscapes root.
        split (str): 'train', 'val' or 'test'. Defaults to 'train'.
        frame_ids (Sequence[int | str]): Frames per sample. Defaults to ``(0, -1, 1)``.
        with_depth (bool): Only frames with a disparity map, attached as
            ``depth_map_path``. Defaults to False.
        img_dir (str): Left image folder. Defaults to 'leftImg8bit_sequence'.
        right_img_dir (str): Right image folder. Defaults to 'rightImg8bit_sequence'.
        disp_dir (str): Disparity folder. Defaults to 'disparity'.
        camera_dir (str): Camera json folder. Defaults to 'camera'.
        on_missing (str): 'warn' (log the samples dropped for missing files, per city) or
            'error' (fail). Defaults to 'warn'.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.
    """

    METAINFO: dict = dict(dataset_name='cityscapes_depth')

    def __init__(
        self,
        data_root: str = '',
        split: str = 'train',
        frame_ids: Sequence[FrameId] = (0, -1, 1),
        with_depth: bool = False,
        img_dir: str = 'leftImg8bit_sequence',
        right_img_dir: str = 'rightImg8bit_sequence',
        disp_dir: str = 'disparity',
        camera_dir: str = 'camera',
        on_missing: str = 'warn',
        **kwargs,
    ) -> None:
        self.split = split
        self.frame_ids = check_frame_ids(frame_ids)
        self.with_depth = with_depth
        self.dirs = dict(img=img_dir, right=right_img_dir, disp=disp_dir, camera=camera_dir)
        self.on_missing = check_on_missing(on_missing)
        self.drops = DroppedSamples()
        super().__init__(data_root=data_root, **kwargs)

    def _dir(self, key: str, city: str) -> str:
        return osp.join(self.data_root, self.dirs[key], self.split, city)

    def _camera(self, cache: Dict, city: str, seq: int, frame: int) -> Tuple[np.ndarray, float]:
        cam_dir = self._dir('camera', city)
        exact = osp.join(cam_dir, f'{city}_{seq:06d}_{frame:06d}_camera.json')
        if exact in cache:
            return cache[exact]
        key = (city, seq)
        if osp.isfile(exact):
            cache[exact] = load_cityscapes_camera(exact)
            cache.setdefault(key, cache[exact])
            return cache[exact]
        if key not in cache:
            names = cache.setdefault(
                ('listing', cam_dir), sorted(os.listdir(cam_dir)) if osp.isdir(cam_dir) else []
            )
            prefix = f'{city}_{seq:06d}_'
            match = [n for n in names if n.startswith(prefix) and n.endswith('_camera.json')]
            if not match:
                raise FileNotFoundError(
                    f'Cityscapes camera file not found: {exact} (nor any {prefix}*_camera.json '
                    f'in {cam_dir}); download camera_trainvaltest.'
                )
            cache[key] = load_cityscapes_camera(osp.join(cam_dir, match[0]))
        return cache[key]

    def load_data_list(self) -> List[dict]:
        """Build the index (see the class docstring)."""
        root = osp.join(self.data_root, self.dirs['img'], self.split)
        if not osp.isdir(root):
            raise FileNotFoundError(f'Cityscapes image folder not found: {root}')
        cams: Dict = {}
        drops = self.drops = DroppedSamples()
        data_list: List[dict] = []
        total = 0
        for city in sorted(os.listdir(root)):
            cdir = osp.join(root, city)
            if not osp.isdir(cdir):
                continue
            frames = {}
            for n in os.listdir(cdir):
                p = _parse_name(n, 'leftImg8bit')
                if p is not None:
                    frames[(p[1], p[2])] = osp.join(cdir, n)
            right = {}
            if 's' in self.frame_ids:
                rdir = self._dir('right', city)
                for n in os.listdir(rdir) if osp.isdir(rdir) else []:
                    p = _parse_name(n, 'rightImg8bit')
                    if p is not None:
                        right[(p[1], p[2])] = osp.join(rdir, n)
            for seq, frame in sorted(frames):
                total += 1
                paths, why, gone = [], None, None
                for f in self.frame_ids:
                    p = right.get((seq, frame)) if f == 's' else frames.get((seq, frame + f))
                    if p is None:
                        why = 'missing right image' if f == 's' else 'missing neighbour'
                        gone = (osp.join(self._dir('right', city),
                                         f'{city}_{seq:06d}_{frame:06d}_rightImg8bit.png')
                                if f == 's' else
                                osp.join(cdir, f'{city}_{seq:06d}_{frame + f:06d}_leftImg8bit.png'))
                        break
                    paths.append(p)
                disp = None
                if why is None and self.with_depth:
                    disp = osp.join(
                        self._dir('disp', city), f'{city}_{seq:06d}_{frame:06d}_disparity.png'
                    )
                    if not osp.isfile(disp):
                        why, gone = 'missing disparity', disp
                if why is not None:
                    drops.add(city, why, gone)
                    continue
                K, baseline = self._camera(cams, city, seq, frame)
                T = np.eye(4, dtype=np.float32)
                T[0, 3] = -baseline
                info = dict(
                    img_path=paths[0],
                    frame_paths=paths,
                    frame_ids=list(self.frame_ids),
                    cam_K=K.copy(),
                    stereo_T=T,
                    baseline=baseline,
                    side='l',
                    city=city,
                    frame_index=frame,
                )
                if disp is not None:
                    info['depth_map_path'] = disp
                data_list.append(info)
        drops.report(type(self).__name__, root, total, self.on_missing)
        if not data_list:
            raise ValueError(
                f'{type(self).__name__}: no usable sample under {root} '
                f'({total} frames found, dropped: {dict(drops.reasons)}).'
            )
        return data_list
