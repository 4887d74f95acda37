"""The ``coco:`` entry of a grid spec's dataset: COCO-format instance files (detection).

See :mod:`.spec` for the keys; :func:`check_coco` checks an entry, :func:`coco_files`
gives the JSON file per split that the plan's conversion stages write and the evaluators
read.
"""
from __future__ import annotations

import os.path as osp
from typing import Dict, Tuple

from .spec import GridSpecError, _known, _mapping

__all__ = ['COCO_LAYOUTS', 'check_coco', 'coco_files']

COCO_LAYOUTS = ('cityscapes', 'kitti')  # instance maps instances_to_coco.py converts


def check_coco(ds: dict, name: str, path: str) -> None:
    """Check a ``datasets.<name>.coco`` entry (see :mod:`.spec` for its keys)."""
    where = f'datasets.{name}.coco'
    coco = _mapping(ds['coco'], where, path)
    _known(coco, 'coco', where + '.', path)
    if not ds.get('data_root'):
        raise GridSpecError(f'{path}: {where} needs datasets.{name}.data_root')
    if coco.get('layout') is not None and coco['layout'] not in COCO_LAYOUTS:
        raise GridSpecError(f'{path}: {where}.layout is one of {", ".join(COCO_LAYOUTS)} '
                            f'(omit it when the COCO JSON ships with the dataset), got '
                            f'{coco["layout"]!r}')
    splits = coco.get('splits', ['train', 'val'])
    if not isinstance(splits, list) or not splits or \
            not all(isinstance(s, str) and s for s in splits) or len(set(splits)) < len(splits):
        raise GridSpecError(f'{path}: {where}.splits is a list of distinct split names, got '
                            f'{splits!r}')
    file = coco.get('file', 'annotations/instances_{split}.json')
    try:
        named = isinstance(file, str) and file.format(split='{split}') == file
    except (KeyError, IndexError, ValueError):
        named = False
    if not named or (len(splits) > 1 and '{split}' not in file):
        raise GridSpecError(f'{path}: {where}.file is a path relative to the data root with '
                            f'{{split}} in it, got {file!r}')
    if coco.get('evaluate') is not None and coco['evaluate'] not in splits:
        raise GridSpecError(f'{path}: {where}.evaluate names one of its splits '
                            f'({", ".join(splits)}), got {coco["evaluate"]!r}')
    area = coco.get('min_area')
    if area is not None and (not isinstance(area, int) or isinstance(area, bool) or area < 1):
        raise GridSpecError(f'{path}: {where}.min_area is a number of pixels >= 1, got '
                            f'{area!r}')


def coco_files(ds: dict) -> Tuple[Dict[str, str], str]:
    """A COCO-format dataset's JSON file per split and the evaluated split.

    Args:
        ds (dict): A checked ``datasets.<name>`` entry with ``coco``.

    Returns:
        tuple[dict, str]: ``{split: <data_root>/<file>}`` (relative to the commands' root
        when ``data_root`` is) and the split the evaluators read.
    """
    coco = ds['coco'] or {}
    splits = coco.get('splits', ['train', 'val'])
    file = coco.get('file', 'annotations/instances_{split}.json')
    files = {s: osp.join(ds['data_root'], file.format(split=s)) for s in splits}
    evaluate = coco.get('evaluate') or ('val' if 'val' in splits else splits[-1])
    return files, evaluate
