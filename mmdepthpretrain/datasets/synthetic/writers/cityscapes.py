"""Writer of the Cityscapes layout: one 30-frame-style snippet per sequence, with the
annotated frame ``min(19, M - 2)`` (as frame 19 of a real snippet) in the stereo,
disparity, camera and gtFine folders (``<stem>`` = ``<city>_%06d_%06d``, sequence and
frame; 'train' city synthtown, 'val' city synthstadt)::

    <out>/leftImg8bit_sequence/<split>/<city>/<stem>_leftImg8bit.png   every frame
    <out>/{leftImg8bit,rightImg8bit}/<split>/<city>/<stem>_{left,right}Img8bit.png
    <out>/disparity/<split>/<city>/<stem>_disparity.png   uint16 d * 256 + 1, 0 = invalid
    <out>/camera/<split>/<city>/<stem>_camera.json
    <out>/gtFine/<split>/<city>/<stem>_gtFine_{labelIds,instanceIds,color}.png
    <out>/ground_truth/leftImg8bit_sequence/<split>/<city>/<city>_%06d/
"""

import json
import os
import os.path as osp

import numpy as np

from ....visualization.colormaps import colorize_labels
from ..frames import render_sequence
from ..io import imwrite, write_text
from ..labels import CITYSCAPES_PALETTE, LABELS
from ..preview import STREET_PALETTE, preview_row
from ..rig import RIGS
from ..trajectory import street_sequence
from .ground_truth import make_gt_dirs, write_gt_frame, write_gt_meta

__all__ = ['write_cityscapes_snippet', 'CITYSCAPES_FOLDERS']

CITYSCAPES_FOLDERS = (
    'leftImg8bit_sequence',
    'leftImg8bit',
    'rightImg8bit',
    'disparity',
    'camera',
    'gtFine',
)


def _write_annotated(d: dict, stem: str, fr: dict, K: np.ndarray) -> None:
    """Stereo pair, disparity, camera json and gtFine files of the annotated frame."""
    rig = RIGS['cityscapes']
    imwrite(osp.join(d['leftImg8bit'], stem + '_leftImg8bit.png'), fr['rgb'], rgb=True)
    imwrite(osp.join(d['rightImg8bit'], stem + '_rightImg8bit.png'), fr['rgb_right'], rgb=True)
    depth = fr['depth']
    disp = np.where(np.isfinite(depth), K[0, 0] * rig['baseline'] / depth, 0.0)
    png = np.where(disp > 0, np.clip(np.round(disp * 256.0) + 1, 1, 65535), 0)
    imwrite(osp.join(d['disparity'], stem + '_disparity.png'), png.astype(np.uint16))
    cam = dict(
        extrinsic=dict(
            baseline=rig['baseline'],
            pitch=0.0,
            roll=0.0,
            yaw=0.0,
            x=1.7,
            y=0.0,
            z=rig['height'],
        ),
        intrinsic=dict(fx=K[0, 0], fy=K[1, 1], u0=K[0, 2], v0=K[1, 2]),
    )
    write_text(osp.join(d['camera'], stem + '_camera.json'), json.dumps(cam, indent=2) + '\n')
    lab = fr['label']
    # instanceIds: id * 1000 + k for person/car instances, else the label id
    inst = np.where(
        np.isin(lab, [LABELS['person'], LABELS['car']]) & (fr['instance'] > 0),
        lab.astype(np.int64) * 1000 + fr['instance'] - 1,
        lab,
    ).astype(np.uint16)
    imwrite(osp.join(d['gtFine'], stem + '_gtFine_instanceIds.png'), inst)
    color = colorize_labels(lab, CITYSCAPES_PALETTE)
    imwrite(osp.join(d['gtFine'], stem + '_gtFine_color.png'), color, rgb=True)
    imwrite(osp.join(d['gtFine'], stem + '_gtFine_labelIds.png'), lab)


def write_cityscapes_snippet(spec: dict) -> np.ndarray:
    """Render and write one snippet into the staging folder ``spec['stage']``.

    Args:
        spec (dict): Unit spec with ``seed``, ``frames``, ``moving``, ``overlap``,
            ``size``, ``K``, ``split``, ``city`` and ``seq`` (sequence number in the
            city).

    Returns:
        np.ndarray: The contact-sheet row of the first frame.
    """
    scene, T = street_sequence(
        spec['seed'], spec['frames'], spec['moving'], spec['overlap'], 'cityscapes'
    )
    K, size, M = spec['K'], spec['size'], spec['frames']
    split, city, seq = spec['split'], spec['city'], spec['seq']
    ann = min(19, M - 2)
    st = spec['stage']
    d = {key: osp.join(st, key, split, city) for key in CITYSCAPES_FOLDERS}
    for p in d.values():
        os.makedirs(p, exist_ok=True)
    gt = osp.join(st, 'ground_truth', 'leftImg8bit_sequence', split, city, f'{city}_{seq:06d}')
    make_gt_dirs(gt, True)
    preview = None
    for k, fr, flow in render_sequence(spec, scene, T, K):
        stem = f'{city}_{seq:06d}_{k:06d}'
        imwrite(osp.join(d['leftImg8bit_sequence'], stem + '_leftImg8bit.png'), fr['rgb'], rgb=True)
        write_gt_frame(gt, f'{k:06d}.png', fr, flow)
        if k == ann:
            _write_annotated(d, stem, fr, K)
        if k == 0:
            preview = preview_row(fr, K, STREET_PALETTE, flow=flow)
    files = [
        f'leftImg8bit_sequence/{split}/{city}/{city}_{seq:06d}_{k:06d}_leftImg8bit.png'
        for k in range(M)
    ]
    write_gt_meta(gt, K, size, RIGS['cityscapes']['baseline'], T, files, dict(annotated_frame=ann))
    return preview
