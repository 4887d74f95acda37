"""Paired statistics of a grid: each initialisation against a reference, seed by seed.

Every initialisation of a grid is fine-tuned with the same seeds, so a seed's fine-tuning
noise (data order, augmentation, fresh classifier) is shared between the cells of that
seed. The difference ``init - reference`` of one seed cancels that shared part; its mean
over seeds with a Student t interval says whether an initialisation beats the reference
(random) more honestly than two overlapping ``mean ± std`` columns.
"""
from __future__ import annotations

import math
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

__all__ = ['t_interval', 'paired_difference', 'reference_row', 'paired_rows', 'format_paired']


def t_interval(values: Sequence[float], confidence: float = 0.95) -> dict:
    """Mean of ``values`` with the two-sided Student t confidence interval of the mean.

    Args:
        values (sequence): Samples (e.g. per-seed differences).
        confidence (float): Coverage of the interval. Defaults to 0.95.

    Returns:
        dict: ``n``, ``mean``, ``std`` (sample, ``n - 1``), ``half_width``, ``low``,
        ``high``; the interval is NaN when ``n < 2`` and the mean is NaN when ``n == 0``.
    """
    from scipy import stats

    values = [float(v) for v in values]
    n = len(values)
    nan = math.nan
    if n == 0:
        return dict(n=0, mean=nan, std=nan, half_width=nan, low=nan, high=nan)
    mean = sum(values) / n
    if n < 2:
        return dict(n=1, mean=mean, std=nan, half_width=nan, low=nan, high=nan)
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * std / math.sqrt(n)
    return dict(n=n, mean=mean, std=std, half_width=half, low=mean - half, high=mean + half)


def paired_difference(values: Dict[int, float], reference: Dict[int, float],
                      confidence: float = 0.95) -> dict:
    """Per-seed ``values[seed] - reference[seed]`` over the seeds both have, with
    :func:`t_interval` of their mean.

    Args:
        values (dict): seed -> metric of the initialisation.
        reference (dict): seed -> metric of the reference (random) cell.
        confidence (float): Defaults to 0.95.

    Returns:
        dict: :func:`t_interval`'s keys plus ``seeds`` (the paired seeds) and
        ``per_seed`` (seed -> difference).
    """
    seeds = sorted(set(values) & set(reference))
    diffs = OrderedDict((s, float(values[s]) - float(reference[s])) for s in seeds)
    out = t_interval(list(diffs.values()), confidence)
    out['seeds'] = seeds
    out['per_seed'] = dict(diffs)
    out['confidence'] = confidence
    return out


def reference_row(row: dict, rows: List[dict], reference: str = 'random') -> Optional[dict]:
    """The row a row is compared with: the reference initialisation on the same dataset and
    budget, with the same setup when the grid has it (frozen against frozen), else its
    ``full`` setup (an encoder transferred onto a random decoder against the random
    network); None for the reference's own rows or when there is none."""
    if row['init'] == reference:
        return None
    same = [r for r in rows if r['init'] == reference and r['dataset'] == row['dataset']
            and r['budget'] == row['budget']]
    for setup in (row['setup'], 'full'):
        for r in same:
            if r['setup'] == setup:
                return r
    return None


def paired_rows(rows: List[dict], records: List[dict], keys: Sequence[str],
                reference: str = 'random', confidence: float = 0.95) -> None:
    """Add ``paired`` (metric key -> :func:`paired_difference`, plus ``reference``: the
    compared init-setup) and ``per_seed`` (metric key -> seed -> value) to every row of
    :func:`~mmdepthpretrain.experiments.report.aggregate`, in place."""
    values: Dict[tuple, Dict[str, Dict[int, float]]] = {}
    for rec in records:
        if rec['status'] != 'done':
            continue
        group = (rec['dataset'], rec['init'], rec['setup'], rec['budget'])
        for key in keys:
            if isinstance((rec.get('metrics') or {}).get(key), (int, float)):
                values.setdefault(group, {}).setdefault(key, {})[rec['seed']] = \
                    float(rec['metrics'][key])
    for row in rows:
        group = (row['dataset'], row['init'], row['setup'], row['budget'])
        row['per_seed'] = {k: dict(sorted(values.get(group, {}).get(k, {}).items()))
                           for k in keys}
        ref = reference_row(row, rows, reference)
        if ref is None:
            row['paired'] = None
            continue
        rgroup = (ref['dataset'], ref['init'], ref['setup'], ref['budget'])
        paired = OrderedDict(reference=f'{ref["init"]}-{ref["setup"]}')
        for key in keys:
            paired[key] = paired_difference(values.get(group, {}).get(key, {}),
                                            values.get(rgroup, {}).get(key, {}), confidence)
        row['paired'] = paired


def format_paired(paired: Optional[dict], key: str) -> str:
    """``+3.21 [-1.04, +7.46]`` (mean difference and its interval), ``+3.21`` for one
    paired seed, '-' when nothing is paired."""
    if not paired or key not in paired or not paired[key]['n']:
        return '-'
    d = paired[key]
    if d['n'] < 2:
        return f'{d["mean"]:+.2f} (1 seed)'
    return f'{d["mean"]:+.2f} [{d["low"]:+.2f}, {d["high"]:+.2f}]'
