"""Writer of the NYU depth layouts: one room per sequence in the BTS-style ``sync``
folders with the file lists, and the same pairs in mmseg's NYU folder layout::

    <out>/sync/synthroom_%04d/rgb_%05d.jpg, sync_depth_%05d.png   (uint16 millimetres)
    <out>/nyudepthv2_{train,test}_files_with_gt.txt
        ("/<scene>/rgb_%05d.jpg /<scene>/sync_depth_%05d.png <fx>")
    <out>/images/{train,test}/<scene>_%05d.jpg, annotations/{train,test}/<scene>_%05d.png
    <out>/ground_truth/sync/<scene>/   (labels there are NYU-40 ids)
"""

import os
import os.path as osp
from typing import Sequence

import numpy as np

from ..frames import render_sequence
from ..io import imwrite, write_text
from ..preview import ROOM_PALETTE, preview_row
from ..trajectory import room_sequence
from .ground_truth import make_gt_dirs, write_gt_frame, write_gt_meta

__all__ = ['write_nyu_scene', 'write_nyu_splits']


def write_nyu_scene(spec: dict) -> np.ndarray:
    """Render and write one room into the staging folder ``spec['stage']``.

    Args:
        spec (dict): Unit spec with ``seed``, ``frames``, ``overlap``, ``size``, ``K``,
            ``name`` (scene folder) and ``split`` ('train' or 'test').

    Returns:
        np.ndarray: The contact-sheet row of the first frame.
    """
    scene, T = room_sequence(spec['seed'], spec['frames'], spec['overlap'])
    K, scene_name, split = spec['K'], spec['name'], spec['split']
    st = spec['stage']
    root = osp.join(st, 'sync', scene_name)
    img_dir, ann_dir = osp.join(st, 'images', split), osp.join(st, 'annotations', split)
    for p in (root, img_dir, ann_dir):
        os.makedirs(p, exist_ok=True)
    gt = osp.join(st, 'ground_truth', 'sync', scene_name)
    make_gt_dirs(gt, False)
    preview = None
    for k, fr, flow in render_sequence(spec, scene, T, K):
        mm = np.where(np.isfinite(fr['depth']), np.round(fr['depth'] * 1000.0), 0).astype(np.uint16)
        imwrite(osp.join(root, f'sync_depth_{k:05d}.png'), mm)
        imwrite(osp.join(root, f'rgb_{k:05d}.jpg'), fr['rgb'], rgb=True)
        imwrite(osp.join(ann_dir, f'{scene_name}_{k:05d}.png'), mm)
        imwrite(osp.join(img_dir, f'{scene_name}_{k:05d}.jpg'), fr['rgb'], rgb=True)
        write_gt_frame(gt, f'{k:05d}.png', fr, flow)
        if k == 0:
            preview = preview_row(fr, K, ROOM_PALETTE, flow=flow)
    files = [f'sync/{scene_name}/rgb_{k:05d}.jpg' for k in range(len(T))]
    write_gt_meta(gt, K, spec['size'], 0.0, T, files)
    return preview


def write_nyu_splits(out_dir: str, specs: Sequence[dict]) -> None:
    """Write the train and test file lists of all rooms (after they are in place)."""
    for split, fname in (
        ('train', 'nyudepthv2_train_files_with_gt.txt'),
        ('test', 'nyudepthv2_test_files_with_gt.txt'),
    ):
        lines = [
            f'/{s["name"]}/rgb_{k:05d}.jpg /{s["name"]}/sync_depth_{k:05d}.png {s["K"][0, 0]:.4f}'
            for s in specs
            if s['split'] == split
            for k in range(s['frames'])
        ]
        write_text(osp.join(out_dir, fname), '\n'.join(lines) + ('\n' if lines else ''))
