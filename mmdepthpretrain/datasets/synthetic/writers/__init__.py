"""One writer per on-disk layout of the synthetic world (each renders its sequences and
writes them into a staging folder, see :mod:`..staging`), plus the shared ground-truth
writer."""

from .cityscapes import write_cityscapes_snippet
from .ground_truth import kitti_instance, make_gt_dirs, write_gt_frame, write_gt_meta
from .kitti_raw import KITTI_DATE, write_kitti_calibration, write_kitti_drive
from .kitti_semantics import write_kitti_semantics
from .nyu import write_nyu_scene, write_nyu_splits

# Writer of each unit kind (the ``unit`` entry of a unit spec).
UNIT_WRITERS = dict(
    kitti=write_kitti_drive,
    semantics=write_kitti_semantics,
    cityscapes=write_cityscapes_snippet,
    nyu=write_nyu_scene,
)


def write_unit(spec: dict):
    """Run the writer of ``spec['unit']``; returns its contact-sheet row."""
    return UNIT_WRITERS[spec['unit']](spec)


__all__ = [
    'UNIT_WRITERS',
    'write_unit',
    'KITTI_DATE',
    'write_kitti_calibration',
    'write_kitti_drive',
    'write_kitti_semantics',
    'write_cityscapes_snippet',
    'write_nyu_scene',
    'write_nyu_splits',
    'make_gt_dirs',
    'write_gt_frame',
    'write_gt_meta',
    'kitti_instance',
]
