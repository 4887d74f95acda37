"""KITTI raw split files: reading, resolving frames on disk, and generating splits.

A split file has one sample per line in the format popularised by Monodepth2
(Godard et al., ICCV 2019)::

    2011_09_26/2011_09_26_drive_0001_sync 42 l

i.e. ``<date>/<drive folder> <frame index> <l|r>``; ``l`` is ``image_02`` (left colour
camera), ``r`` is ``image_03``. Frames are files named ``{index:010d}.png`` (or
``.jpg`` for users who converted the images) under ``<folder>/image_0X/data/``.

Pure Python / numpy; used by :class:`KittiRawDepthDataset` and by
``tools/misc/make_kitti_split.py``.
"""

import os
import os.path as osp
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple, Union

import numpy as np

from .dropped_samples import DroppedSamples
from .kitti_utils import list_image_names

__all__ = [
    'IMAGE_EXTS',
    'SIDE_TO_CAM',
    'parse_split_file',
    'resolve_frame',
    'expected_frame_path',
    'read_scene_list',
    'read_static_frames',
    'make_kitti_split',
    'write_split_file',
]

IMAGE_EXTS = ('.png', '.jpg', '.jpeg')
SIDE_TO_CAM = {'l': 2, 'r': 3}
OTHER_SIDE = {'l': 'r', 'r': 'l'}

SplitEntry = Tuple[str, int, str]


def parse_split_file(path: str) -> List[SplitEntry]:
    """Read a split file.

    Args:
        path (str): Split file (``<folder> <frame_index> <l|r>`` per line; the side
            defaults to ``l`` when omitted).

    Returns:
        list[tuple[str, int, str]]: (folder, frame index, side) per sample.

    Raises:
        FileNotFoundError: Missing file.
        ValueError: Malformed line, or no sample in the file.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'KITTI split file not found: {path}')
    entries = []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if (
                len(parts) not in (2, 3)
                or not parts[1].lstrip('-').isdigit()
                or (len(parts) == 3 and parts[2] not in SIDE_TO_CAM)
            ):
                raise ValueError(
                    f'{path}:{lineno}: expected "<folder> <frame_index> <l|r>", '
                    f'got {line.strip()!r}'
                )
            side = parts[2] if len(parts) == 3 else 'l'
            entries.append((parts[0].strip('/'), int(parts[1]), side))
    if not entries:
        raise ValueError(
            f'KITTI split file {path} holds no sample: expected lines like '
            '"2011_09_26/2011_09_26_drive_0001_sync 42 l".'
        )
    return entries


def image_dir(data_root: str, folder: str, side: str) -> str:
    """``<data_root>/<folder>/image_0X/data`` for a side ('l' or 'r')."""
    return osp.join(data_root, folder, f'image_0{SIDE_TO_CAM[side]}', 'data')


def resolve_frame(
    data_root: str,
    folder: str,
    frame_index: int,
    side: str,
    cache: Optional[dict] = None,
    exts: Sequence[str] = IMAGE_EXTS,
) -> Optional[str]:
    """Path of a frame on disk trying each extension, or None if it does not exist.

    Args:
        data_root (str): KITTI raw root.
        folder (str): ``<date>/<drive folder>``.
        frame_index (int): Frame number.
        side (str): 'l' or 'r'.
        cache (dict, optional): Memo of directory listings (one ``listdir`` per image
            folder instead of one ``stat`` per frame). Defaults to None.
        exts (Sequence[str]): Extensions tried in order. Defaults to
            ``('.png', '.jpg', '.jpeg')``.

    Returns:
        str | None: The existing path.
    """
    if frame_index < 0:
        return None
    d = image_dir(data_root, folder, side)
    names = list_image_names(d, cache)
    stem = f'{frame_index:010d}'
    for ext in exts:
        if stem + ext in names:
            return osp.join(d, stem + ext)
    return None


def expected_frame_path(data_root: str, folder: str, frame_index: int, side: str,
                        ext: str = IMAGE_EXTS[0]) -> str:
    """Where a frame would be (for messages about a missing one)."""
    return osp.join(image_dir(data_root, folder, side), f'{frame_index:010d}{ext}')


def read_scene_list(path_or_list: Union[str, Iterable[str], None]) -> Set[str]:
    """Drive names to exclude (e.g. the Eigen test scenes).

    Accepts a file with one name per line or an iterable. Names may be a drive folder
    (``2011_09_26_drive_0002_sync``), ``<date>/<drive>``, or a drive without the
    ``_sync`` suffix; all are normalised to ``2011_09_26_drive_0002``.
    """
    if path_or_list is None:
        return set()
    if isinstance(path_or_list, str):
        if not osp.isfile(path_or_list):
            raise FileNotFoundError(f'Scene list not found: {path_or_list}')
        with open(path_or_list) as f:
            items = [ln.split()[0] for ln in f if ln.strip()]
    else:
        items = list(path_or_list)
    return {_drive_key(x) for x in items}


def _drive_key(name: str) -> str:
    name = name.strip().strip('/').split('/')[-1]
    return name[:-5] if name.endswith('_sync') else name


def read_static_frames(path: Optional[str]) -> Set[Tuple[str, int]]:
    """Static frames to drop (Zhou et al.'s list: ``<date> <drive> <frame>`` per line).

    ``<folder> <frame>`` lines are accepted too.

    Returns:
        set[tuple[str, int]]: (drive key, frame index) pairs.
    """
    if path is None:
        return set()
    if not osp.isfile(path):
        raise FileNotFoundError(f'Static-frame list not found: {path}')
    out = set()
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and parts[-1].isdigit():
                out.add((_drive_key(parts[-2]), int(parts[-1])))
    return out


def list_drives(data_root: str) -> List[str]:
    """``<date>/<drive>`` folders under a KITTI raw root that hold ``image_02``."""
    drives = []
    if not osp.isdir(data_root):
        raise FileNotFoundError(f'KITTI raw root not found: {data_root}')
    for date in sorted(os.listdir(data_root)):
        ddir = osp.join(data_root, date)
        if not osp.isdir(ddir):
            continue
        for drive in sorted(os.listdir(ddir)):
            if osp.isdir(osp.join(ddir, drive, 'image_02')):
                drives.append(f'{date}/{drive}')
    return drives


def make_kitti_split(
    data_root: str,
    frame_ids: Sequence[Union[int, str]] = (0, -1, 1),
    exclude_scenes: Union[str, Iterable[str], None] = None,
    static_frames: Optional[str] = None,
    sides: Sequence[str] = ('l', 'r'),
    val_ratio: float = 0.0,
    seed: int = 0,
    include_scenes: Union[str, Iterable[str], None] = None,
    drops: Optional[DroppedSamples] = None,
) -> Dict[str, List[SplitEntry]]:
    """Generate a split from a KITTI raw root.

    Keeps every frame whose neighbours (the integer ``frame_ids``) and, with ``'s'``,
    the other camera's frame exist; drops drives in ``exclude_scenes`` and frames in
    ``static_frames``. With ``val_ratio > 0`` a seeded random fraction of the kept
    samples forms the validation list.

    A frame whose neighbour lies before the first or after the last frame of its drive is
    the sequence's edge and is left out silently. A frame missing *inside* a drive (a gap in
    the numbering) is a broken download: the samples it removes (its own and its
    neighbours') are recorded in ``drops`` with the missing paths.

    Args:
        data_root (str): KITTI raw root (``<date>/<drive>/image_0X/data``).
        frame_ids (Sequence[int | str]): Frames each sample needs. Defaults to
            ``(0, -1, 1)``.
        exclude_scenes (str | Iterable[str], optional): Drives to leave out (file or
            list). Defaults to None.
        static_frames (str, optional): Static-frame list file. Defaults to None.
        sides (Sequence[str]): Cameras to take targets from. Defaults to ``('l', 'r')``.
        val_ratio (float): Fraction of samples for validation. Defaults to 0.
        seed (int): Seed of the train/val shuffle. Defaults to 0.
        include_scenes (str | Iterable[str], optional): If given, only these drives
            (file or list). Defaults to None.
        drops (DroppedSamples, optional): Receives the samples lost to missing frames,
            by drive. Defaults to None.

    Returns:
        dict: ``{'train': [...], 'val': [...]}`` lists of (folder, index, side).
    """
    excluded = read_scene_list(exclude_scenes)
    included = read_scene_list(include_scenes) if include_scenes is not None else None
    static = read_static_frames(static_frames)
    offsets = [f for f in frame_ids if not isinstance(f, str)]
    use_stereo = 's' in frame_ids
    cache: dict = {}
    samples = []
    for folder in list_drives(data_root):
        key = _drive_key(folder)
        if key in excluded or (included is not None and key not in included):
            continue
        for side in sides:
            names = list_image_names(image_dir(data_root, folder, side), cache)
            indices = sorted(
                {
                    int(osp.splitext(n)[0])
                    for n in names
                    if osp.splitext(n)[1] in IMAGE_EXTS and osp.splitext(n)[0].isdigit()
                }
            )
            first, last = (indices[0], indices[-1]) if indices else (0, -1)
            present = set(indices)
            for idx in range(first, last + 1):
                if (key, idx) in static:
                    continue
                if idx not in present:
                    if drops is not None:
                        drops.add(folder, 'missing frame', expected_frame_path(
                            data_root, folder, idx, side))
                    continue
                needed = [idx + o for o in offsets if first <= idx + o <= last]
                if len(needed) < len(offsets):
                    continue  # the drive's first or last frames: no neighbour by design
                gone = [i for i in needed if i not in present]
                if gone:
                    if drops is not None:
                        drops.add(folder, 'missing neighbour',
                                  expected_frame_path(data_root, folder, gone[0], side))
                    continue
                if (
                    use_stereo
                    and resolve_frame(data_root, folder, idx, OTHER_SIDE[side], cache) is None
                ):
                    if drops is not None:
                        drops.add(folder, 'missing other camera', expected_frame_path(
                            data_root, folder, idx, OTHER_SIDE[side]))
                    continue
                samples.append((folder, idx, side))
    n_val = int(round(len(samples) * val_ratio))
    if n_val:
        perm = np.random.default_rng(seed).permutation(len(samples))
        val_idx = set(perm[:n_val].tolist())
        train = [s for i, s in enumerate(samples) if i not in val_idx]
        val = [s for i, s in enumerate(samples) if i in val_idx]
    else:
        train, val = samples, []
    return dict(train=train, val=val)


def write_split_file(entries: Sequence[SplitEntry], path: str) -> None:
    """Write a split file atomically (temporary file, then rename)."""
    d = osp.dirname(osp.abspath(path))
    os.makedirs(d, exist_ok=True)
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        for folder, idx, side in entries:
            f.write(f'{folder} {idx} {side}\n')
    os.replace(tmp, path)
