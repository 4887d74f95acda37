"""Writer of the KITTI semantics layout: single labelled frames, each from its own
street, with Cityscapes label ids::

    <out>/data_semantics/training/{image_2,semantic,instance,semantic_rgb}/%06d_10.png
        semantic: uint8 Cityscapes label ids; instance: uint16 label_id * 256 + instance;
        semantic_rgb: the Cityscapes colours of the labels
    <out>/ground_truth/data_semantics/training/depth/%06d_10.png
"""

import os
import os.path as osp

import numpy as np

from ....visualization.colormaps import colorize_labels
from ..frames import render_frame
from ..io import encode_depth, imwrite
from ..labels import CITYSCAPES_PALETTE
from ..preview import STREET_PALETTE, preview_row
from ..rig import RIGS
from ..trajectory import street_sequence
from .ground_truth import kitti_instance

__all__ = ['write_kitti_semantics']


def write_kitti_semantics(spec: dict) -> np.ndarray:
    """Render and write a chunk of KITTI-semantics images into ``spec['stage']``.

    Args:
        spec (dict): Unit spec with ``ids`` (image numbers), ``seeds`` (one street per
            image), ``overlap``, ``size`` and ``geom`` (the KITTI calibration).

    Returns:
        np.ndarray: The contact-sheet row of the first image.
    """
    root = osp.join(spec['stage'], 'data_semantics', 'training')
    gt = osp.join(spec['stage'], 'ground_truth', 'data_semantics', 'training')
    for sub in ('image_2', 'semantic', 'instance', 'semantic_rgb'):
        os.makedirs(osp.join(root, sub), exist_ok=True)
    os.makedirs(osp.join(gt, 'depth'), exist_ok=True)
    K = spec['geom']['K']
    preview = None
    for i, seed in zip(spec['ids'], spec['seeds']):
        scene, T = street_sequence(seed, 1, True, spec['overlap'], 'kitti')
        fr = render_frame(scene, 0, T[0], K, spec['size'], RIGS['kitti']['max_depth'])
        name = f'{i:06d}_10.png'
        imwrite(osp.join(gt, 'depth', name), encode_depth(fr['depth']))
        imwrite(osp.join(root, 'semantic', name), fr['label'])
        imwrite(osp.join(root, 'instance', name), kitti_instance(fr))
        color = colorize_labels(fr['label'], CITYSCAPES_PALETTE)
        imwrite(osp.join(root, 'semantic_rgb', name), color, rgb=True)
        imwrite(osp.join(root, 'image_2', name), fr['rgb'], rgb=True)
        if preview is None:
            preview = preview_row(fr, K, STREET_PALETTE)
    return preview
