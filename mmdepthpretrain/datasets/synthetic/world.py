"""Entry point of the synthetic world: :func:`generate_world` checks the arguments,
plans the units of a layout (KITTI drives and semantics chunks, Cityscapes snippets, NYU
rooms), runs their writers (:mod:`.writers`) through the staging folder
(:mod:`.staging`) and writes ``world.json`` and the contact sheet. See the package
docstring for the files of each layout."""

import json
import os
import os.path as osp
import shutil
from typing import Optional, Sequence

import numpy as np

from .io import imwrite, write_text
from .rig import scaled_K
from .staging import run_staged, stage_root
from .writers import KITTI_DATE, write_kitti_calibration, write_nyu_splits, write_unit

__all__ = ['generate_world', 'LAYOUTS', 'DEFAULT_SIZES']

MARKER = 'world.json'
LAYOUTS = ('kitti', 'cityscapes', 'nyu')
DEFAULT_SIZES = dict(kitti=(640, 192), cityscapes=(512, 256), nyu=(320, 240))
# Seeds of the units of a layout come from (seed, layout code, unit index).
_LAYOUT_CODE = dict(kitti=1, cityscapes=2, nyu=3, semantics=4)
SEMANTICS_CHUNK = 25  # KITTI-semantics images per unit


def _check_int(name, value, lo, hi):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
        raise ValueError(f'{name} must be an integer in [{lo}, {hi}], got {value!r}.')
    return int(value)


def generate_world(
    out_dir: str,
    layout: str = 'kitti',
    sequences: int = 4,
    frames: int = 100,
    size: Optional[Sequence[int]] = None,
    seed: int = 0,
    moving_objects: bool = True,
    overwrite: bool = False,
    semantic_images: int = 200,
    class_overlap: float = 0.3,
    workers: Optional[int] = None,
    contact_sheet: bool = True,
) -> dict:
    """Generate a synthetic world on disk in a real dataset's layout.

    Args:
        out_dir (str): Output root (created; must be empty unless ``overwrite``).
        layout (str): 'kitti', 'cityscapes' or 'nyu'. Defaults to 'kitti'.
        sequences (int): Number of sequences (KITTI drives, Cityscapes snippets, NYU
            scenes). Defaults to 4.
        frames (int): Frames per sequence (>= 2; Cityscapes annotates frame
            ``min(19, frames - 2)``). Defaults to 100.
        size (tuple, optional): (width, height) in pixels, each in [32, 4096]. Defaults
            to 640x192 (KITTI), 512x256 (Cityscapes), 320x240 (NYU).
        seed (int): Seed; the same seed writes byte-identical files. Defaults to 0.
        moving_objects (bool): Add moving cars and pedestrians. Defaults to True.
        overwrite (bool): Replace an existing world in ``out_dir`` (only a folder with
            this generator's ``world.json`` is ever deleted). Defaults to False.
        semantic_images (int): KITTI-semantics images (KITTI layout only). Defaults to 200.
        class_overlap (float): Probability in [0, 1] that an object's colour is drawn
            from a distribution shared by all classes. Defaults to 0.3.
        workers (int, optional): Processes (output does not depend on it). Defaults to
            min(2, CPU count).
        contact_sheet (bool): Write ``contact_sheet.png``. Defaults to True.

    Returns:
        dict: The metadata written to ``<out_dir>/world.json``.

    Raises:
        ValueError: On an invalid argument or a non-empty ``out_dir`` without overwrite.
    """
    if layout not in LAYOUTS:
        raise ValueError(f'layout must be one of {LAYOUTS}, got {layout!r}.')
    size = DEFAULT_SIZES[layout] if size is None else tuple(size)
    if len(size) != 2:
        raise ValueError(f'size must be (width, height), got {size!r}.')
    size = (
        _check_int('size width', size[0], 32, 4096),
        _check_int('size height', size[1], 32, 4096),
    )
    sequences = _check_int('sequences', sequences, 1, 10000)
    frames = _check_int('frames', frames, 2, 100000)
    seed = _check_int('seed', seed, 0, 2**32 - 1)
    semantic_images = _check_int('semantic_images', semantic_images, 0, 100000)
    if layout != 'kitti':
        semantic_images = 0
    if not 0.0 <= float(class_overlap) <= 1.0:
        raise ValueError(f'class_overlap must be in [0, 1], got {class_overlap!r}.')
    workers = (
        min(2, os.cpu_count() or 1) if workers is None else _check_int('workers', workers, 1, 256)
    )
    out_dir = osp.abspath(out_dir)
    if osp.exists(out_dir) and not osp.isdir(out_dir):
        raise ValueError(f'Output path {out_dir} exists and is not a folder.')
    if osp.isdir(out_dir) and os.listdir(out_dir):
        if not overwrite:
            raise ValueError(
                f'Output folder {out_dir} exists and is not empty: pass '
                'overwrite=True (--overwrite) to replace it, or choose another one.'
            )
        if not osp.isfile(osp.join(out_dir, MARKER)):
            raise ValueError(
                f'Refusing to overwrite {out_dir}: it has no {MARKER}, so it was not '
                'written by this generator. Remove it yourself or choose another one.'
            )
        shutil.rmtree(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    meta = dict(
        generator='mmdepthpretrain.datasets.synthetic',
        layout=layout,
        sequences=sequences,
        frames=frames,
        size=list(size),
        seed=seed,
        moving_objects=bool(moving_objects),
        semantic_images=semantic_images,
        class_overlap=float(class_overlap),
        complete=False,
    )
    write_text(osp.join(out_dir, MARKER), json.dumps(meta, indent=1) + '\n')
    stage = stage_root(out_dir)
    shutil.rmtree(stage, ignore_errors=True)
    specs = _make_specs(
        layout,
        sequences,
        frames,
        size,
        seed,
        moving_objects,
        float(class_overlap),
        semantic_images,
        out_dir,
        stage,
    )
    previews = run_staged(specs, out_dir, write_unit, workers)
    if layout == 'nyu':
        write_nyu_splits(out_dir, specs)
    if contact_sheet:
        rows = [p for p in previews if p is not None][:3]
        imwrite(osp.join(out_dir, 'contact_sheet.png'), np.concatenate(rows, 0), rgb=True)
    meta['complete'] = True
    meta['units'] = [s.get('name', s['unit']) for s in specs]
    write_text(osp.join(out_dir, MARKER), json.dumps(meta, indent=1) + '\n')
    return meta


def _make_specs(layout, sequences, frames, size, seed, moving, overlap, n_sem, out_dir, stage):
    """The unit specs of a world, in writing order (each with its staging folder);
    the KITTI calibration is written here, before any unit."""
    code = _LAYOUT_CODE[layout]
    seeds = [int(np.random.default_rng([seed, code, i]).integers(2**62)) for i in range(sequences)]
    base = dict(layout=layout, frames=frames, size=size, moving=moving, overlap=overlap)
    n_val = 0 if sequences < 2 else max(1, int(round(sequences * 0.2)))
    specs = []
    if layout == 'kitti':
        geom = write_kitti_calibration(out_dir, size)
        for i in range(sequences):
            name = f'{KITTI_DATE}_drive_{i + 1:04d}_sync'
            specs.append(
                dict(
                    base,
                    unit='kitti',
                    index=i,
                    seed=seeds[i],
                    name=name,
                    geom=geom,
                    stage=osp.join(stage, name),
                )
            )
        sem_seeds = [
            int(np.random.default_rng([seed, _LAYOUT_CODE['semantics'], i]).integers(2**62))
            for i in range(n_sem)
        ]
        for c0 in range(0, n_sem, SEMANTICS_CHUNK):
            ids = list(range(c0, min(n_sem, c0 + SEMANTICS_CHUNK)))
            specs.append(
                dict(
                    base,
                    unit='semantics',
                    name=f'semantics_{c0:06d}',
                    ids=ids,
                    seeds=[sem_seeds[i] for i in ids],
                    geom=geom,
                    stage=osp.join(stage, f'semantics_{c0:06d}'),
                )
            )
    elif layout == 'cityscapes':
        K = scaled_K('cityscapes', size)
        counts = {}
        for i in range(sequences):
            split = 'val' if i >= sequences - n_val else 'train'
            city = 'synthstadt' if split == 'val' else 'synthtown'
            seq = counts[city] = counts.get(city, -1) + 1
            name = f'{city}_{seq:06d}'
            specs.append(
                dict(
                    base,
                    unit='cityscapes',
                    index=i,
                    seed=seeds[i],
                    K=K,
                    split=split,
                    city=city,
                    seq=seq,
                    name=name,
                    stage=osp.join(stage, name),
                )
            )
    else:
        K = scaled_K('nyu', size)
        for i in range(sequences):
            split = 'test' if i >= sequences - n_val else 'train'
            name = f'synthroom_{i:04d}'
            specs.append(
                dict(
                    base,
                    unit='nyu',
                    index=i,
                    seed=seeds[i],
                    K=K,
                    split=split,
                    name=name,
                    stage=osp.join(stage, name),
                )
            )
    return specs
