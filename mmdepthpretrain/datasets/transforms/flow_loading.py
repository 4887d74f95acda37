"""Loading and packing of ground-truth optical flow (synthetic world, KITTI flow PNGs)."""

import os.path as osp
from typing import Optional, Sequence

import cv2
import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import PixelData
from mmseg.registry import TRANSFORMS

from .formatting import DEFAULT_META_KEYS, PackMultiFrameInputs

__all__ = ['LoadFlowAnnotation', 'PackMultiFrameFlowInputs', 'read_kitti_flow_png']


def read_kitti_flow_png(path: str):
    """Read a KITTI flow PNG: ``R = u * 64 + 2^15``, ``G = v * 64 + 2^15``, ``B = valid``.

    (KITTI 2012/2015 flow devkit format; the synthetic world writes the same.)

    Args:
        path (str): 16-bit, 3-channel PNG.

    Returns:
        tuple[np.ndarray, np.ndarray]: flow ``(H, W, 2)`` float32 pixels ``(u, v)`` and
        valid ``(H, W)`` bool.
    """
    png = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if png is None:
        raise FileNotFoundError(f'Flow ground truth not found or unreadable: {path}')
    if png.ndim != 3 or png.shape[2] != 3 or png.dtype != np.uint16:
        raise ValueError(
            f'{path} is not a 16-bit 3-channel KITTI flow PNG '
            f'(got dtype {png.dtype}, shape {png.shape})'
        )
    png = png.astype(np.float32)  # OpenCV order: B, G, R
    flow = (png[..., [2, 1]] - 32768.0) / 64.0
    valid = png[..., 0] > 0
    flow[~valid] = 0
    return flow, valid


@TRANSFORMS.register_module()
class LoadFlowAnnotation(BaseTransform):
    """Load the ground-truth forward flow (frame ``t -> t+1``) of the target frame.

    The path is ``results['flow_path']`` when the dataset sets it; otherwise it follows
    the synthetic world's layout (see :mod:`mmdepthpretrain.datasets.synthetic`)::

        <gt_root>/<folder>/flow/<frame_index:010d>.png

    with ``folder``/``frame_index`` from :class:`KittiRawDepthDataset` and ``gt_root``
    defaulting to ``<data root>/ground_truth`` (the data root is found from ``img_path`` =
    ``<data root>/<date>/<drive>/image_0X/data/<frame>``). The world's flow is that of the
    left camera (``image_02``), so right-camera targets are refused: give the evaluation
    dataset ``split_cfg=dict(sides=('l',))``.

    The flow stays at the file's resolution (the metric resizes predictions, scaling
    ``u`` and ``v``); the transform must come before any flip or crop.

    Added keys: ``gt_flow`` (``(H0, W0, 2)`` float32 pixels), ``gt_flow_valid``
    (``(H0, W0)`` bool), ``flow_path``.

    Args:
        gt_root (str, optional): Ground-truth root. Defaults to None (derived).
    """

    def __init__(self, gt_root: Optional[str] = None) -> None:
        self.gt_root = gt_root

    def flow_path(self, results: dict) -> str:
        """Path of the target frame's flow PNG (see the class docstring)."""
        if results.get('flow_path'):
            return results['flow_path']
        if results.get('side', 'l') != 'l':
            raise ValueError(
                f'LoadFlowAnnotation: ground-truth flow exists for the left '
                f'camera only, but {results.get("img_path")} is a right-camera '
                "target; use split_cfg=dict(sides=('l',)) for this dataset"
            )
        folder, index = results.get('folder'), results.get('frame_index')
        if folder is None or index is None:
            raise KeyError(
                f'LoadFlowAnnotation: {results.get("img_path")} has no folder/'
                'frame_index (use KittiRawDepthDataset) and no flow_path'
            )
        gt_root = self.gt_root
        if gt_root is None:
            root = results['img_path']
            for _ in range(len(folder.strip('/').split('/')) + 3):
                root = osp.dirname(root)
            gt_root = osp.join(root, 'ground_truth')
        return osp.join(gt_root, folder, 'flow', f'{int(index):010d}.png')

    def transform(self, results: dict) -> dict:
        if results.get('flip', False) or 'crop_bbox' in results:
            raise RuntimeError(
                'LoadFlowAnnotation must come before MultiFrameRandomFlip and '
                'MultiFrameRandomCrop (it loads the unflipped, uncropped flow)'
            )
        path = self.flow_path(results)
        flow, valid = read_kitti_flow_png(path)
        results['gt_flow'] = flow
        results['gt_flow_valid'] = valid
        results['flow_path'] = path
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(gt_root={self.gt_root!r})'


@TRANSFORMS.register_module()
class PackMultiFrameFlowInputs(PackMultiFrameInputs):
    """:class:`PackMultiFrameInputs` plus the ground-truth flow.

    Adds ``gt_flow = PixelData(data=float32 (2, H0, W0) pixels (u, v),
    valid=bool (1, H0, W0))`` to the data sample when ``gt_flow`` was loaded, and
    ``flow_path`` to the metainfo.

    Args:
        meta_keys (Sequence[str]): Keys copied into the metainfo. Defaults to
            :class:`PackMultiFrameInputs`' keys plus ``flow_path``.
    """

    def __init__(self, meta_keys: Sequence[str] = DEFAULT_META_KEYS + ('flow_path',)) -> None:
        super().__init__(meta_keys=meta_keys)

    def transform(self, results: dict) -> dict:
        packed = super().transform(results)
        if results.get('gt_flow') is not None:
            flow = np.ascontiguousarray(results['gt_flow'].transpose(2, 0, 1), np.float32)
            valid = np.ascontiguousarray(results['gt_flow_valid'], dtype=bool)[None]
            packed['data_samples'].set_data(
                dict(gt_flow=PixelData(data=torch.from_numpy(flow), valid=torch.from_numpy(valid)))
            )
        return packed
