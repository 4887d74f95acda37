"""Datasets and transforms of mmdepthpretrain (registered in mmseg's registries)."""

from . import transforms
from .cityscapes_depth import CityscapesDepthDataset, load_cityscapes_camera
from .cityscapes_seg import CityscapesLabelIdsDataset
from .coco_instances import decode_instance_map, instances_to_coco
from .dropped_samples import DroppedSamples, MissingDataError
from .kitti_raw import KittiRawDepthDataset
from .kitti_semantic import CITYSCAPES_ID_TO_TRAINID, KittiSemanticDataset
from .kitti_split import make_kitti_split, parse_split_file, write_split_file
from .kitti_utils import (
    KittiCalib,
    load_kitti_calib,
    load_velodyne_points,
    project_points_to_depth,
    read_calib_file,
)
from .nyu_depth import NYUDepthDataset
from .nyu_seg import NYUSegDataset
from .strict_coco import StrictCocoDataset
from .transforms import *  # noqa: F401,F403 (its __all__)

__all__ = transforms.__all__ + [
    'StrictCocoDataset',
    'decode_instance_map',
    'instances_to_coco',
    'DroppedSamples',
    'MissingDataError',
    'KittiRawDepthDataset',
    'KittiSemanticDataset',
    'CityscapesDepthDataset',
    'NYUDepthDataset',
    'CityscapesLabelIdsDataset',
    'NYUSegDataset',
    'CITYSCAPES_ID_TO_TRAINID',
    'KittiCalib',
    'load_kitti_calib',
    'load_velodyne_points',
    'project_points_to_depth',
    'read_calib_file',
    'make_kitti_split',
    'parse_split_file',
    'write_split_file',
    'load_cityscapes_camera',
]
