"""Staging of the synthetic world's output: every unit (a sequence, or a chunk of
KITTI-semantics images) is written under ``<out>/.partial/<unit>/`` and then moved into
the output tree, so a sequence folder appears complete or not at all."""

import multiprocessing as mp
import os
import os.path as osp
import shutil
from typing import Callable, List, Sequence

__all__ = ['STAGE_DIR', 'stage_root', 'merge_tree', 'run_staged']

STAGE_DIR = '.partial'
# Folders moved last (in this order, after all others): labels and images come after
# the ground truth and the sensor data they belong to.
_COMMIT_ORDER = (
    'ground_truth',
    'velodyne_points',
    'image_03',
    'leftImg8bit_sequence',
    'camera',
    'disparity',
    'rightImg8bit',
    'instance',
    'semantic',
    'semantic_rgb',
    'annotations',
    'gtFine',
    'sync',
    'image_02',
    'images',
    'image_2',
    'leftImg8bit',
)


def stage_root(out_dir: str) -> str:
    """The staging folder of an output root (``<out>/.partial``)."""
    return osp.join(out_dir, STAGE_DIR)


def _order(name):
    return (_COMMIT_ORDER.index(name) if name in _COMMIT_ORDER else -1, name)


def merge_tree(src: str, dst: str) -> None:
    """Move the staged tree ``src`` into ``dst``: a folder that does not exist yet moves
    in one rename (so a sequence folder appears complete or not at all); existing
    folders are merged. Labels and images move last."""
    for name in sorted(os.listdir(src), key=_order):
        s, d = osp.join(src, name), osp.join(dst, name)
        if osp.isdir(s) and osp.isdir(d):
            merge_tree(s, d)
        else:
            os.replace(s, d)
    os.rmdir(src)


def run_staged(
    specs: Sequence[dict], out_dir: str, write_unit: Callable[[dict], object], workers: int
) -> List[object]:
    """Write every unit into its staging folder ``spec['stage']`` and merge it into
    ``out_dir`` as soon as it is complete, in spec order (so the result does not depend
    on ``workers``); the staging root is removed at the end.

    Args:
        specs (Sequence[dict]): Unit specs, each with a ``stage`` folder.
        out_dir (str): Output root.
        write_unit (Callable): Module-level function writing one unit (it runs in
            spawned worker processes when ``workers`` > 1).
        workers (int): Number of processes.

    Returns:
        list: What ``write_unit`` returned for each spec (contact-sheet rows).
    """
    results = []
    if workers > 1 and len(specs) > 1:
        # spawn, not fork: a fork of a process whose torch/OpenMP threads hold locks can
        # deadlock in the child (seen under pytest); the units do not depend on the parent.
        with mp.get_context('spawn').Pool(workers) as pool:
            for spec, res in zip(specs, pool.imap(write_unit, specs)):
                merge_tree(spec['stage'], out_dir)
                results.append(res)
    else:
        for spec in specs:
            results.append(write_unit(spec))
            merge_tree(spec['stage'], out_dir)
    shutil.rmtree(stage_root(out_dir), ignore_errors=True)
    return results
