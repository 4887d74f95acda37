"""The supervision letters of the depth model and the frames each one needs."""

from typing import List, Sequence, Union

__all__ = ['SUPERVISION', 'parse_supervision', 'check_frame_ids']

FrameId = Union[int, str]
SUPERVISION = {'M': 'monocular video', 'S': 'stereo', 'L': 'ground-truth depth'}


def parse_supervision(supervision: str) -> frozenset:
    """Parse 'M', 'S', 'MS', 'L', 'M+L', 'MS+L' ... into a set of letters.

    Args:
        supervision (str): Letters of :data:`SUPERVISION`, optionally joined by '+'.

    Returns:
        frozenset: the letters.
    """
    letters = [c for c in str(supervision).upper() if c not in '+ ']
    unknown = sorted(set(letters) - set(SUPERVISION))
    if not letters or unknown:
        raise ValueError(
            f'SelfSupDepthEstimator: supervision={supervision!r} is not valid; use '
            f"letters of {SUPERVISION} such as 'M', 'S', 'MS', 'L' or 'M+L'"
        )
    return frozenset(letters)


def check_frame_ids(frame_ids: Sequence[FrameId], supervision: frozenset) -> List[FrameId]:
    """Validate ``frame_ids`` (target 0 first, then sources) against the supervision.

    Args:
        frame_ids (Sequence[int | str]): Frame ids of the model.
        supervision (frozenset): Letters from :func:`parse_supervision`.

    Returns:
        list[int | str]: the frame ids.
    """
    ids = list(frame_ids)
    if not ids or ids[0] != 0 or len(set(ids)) != len(ids):
        raise ValueError(
            f'SelfSupDepthEstimator: frame_ids must start with the target 0 '
            f'and have no duplicates, got {ids}'
        )
    bad = [f for f in ids if not (f == 's' or isinstance(f, int))]
    if bad:
        raise ValueError(f"SelfSupDepthEstimator: frame_ids may hold ints and 's', got {bad}")
    temporal = [f for f in ids[1:] if f != 's']
    sup = ''.join(sorted(supervision))
    if 'M' in supervision and not temporal:
        raise ValueError(
            f'SelfSupDepthEstimator: supervision {sup!r} has M but frame_ids '
            f'{ids} has no temporal source frame; add e.g. -1 and 1'
        )
    if 'S' in supervision and 's' not in ids:
        raise ValueError(
            f'SelfSupDepthEstimator: supervision {sup!r} has S but frame_ids '
            f"{ids} has no stereo frame; add 's' (the dataset must then "
            'provide stereo_T)'
        )
    if temporal and 'M' not in supervision:
        raise ValueError(
            f'SelfSupDepthEstimator: frame_ids {ids} hold temporal sources '
            f'but supervision {sup!r} has no M'
        )
    if 's' in ids and 'S' not in supervision:
        raise ValueError(
            f"SelfSupDepthEstimator: frame_ids {ids} hold 's' but supervision {sup!r} has no S"
        )
    return ids
