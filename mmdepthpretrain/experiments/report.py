"""Results of a grid: the table (markdown, CSV, JSON) and the training curves.

Cells are read back from their folders (``metrics.json`` when finished, ``failed.json``
with the log path when a command failed), so the report of an interrupted or partly
failed grid is always consistent with what is on disk.
"""
from __future__ import annotations

import csv
import glob
import io
import json
import math
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

from .grid import FinetuneCell, atomic_write_text

__all__ = [
    'METRICS', 'collect_results', 'aggregate', 'write_tables', 'read_scalars',
    'plot_curves', 'mean_std'
]

# (metrics.json key, column title): the 7 KITTI classes in both conventions, then aAcc.
METRICS = (
    ('mIoU7_dataset', 'mIoU7 (dataset)'),
    ('mIoU7_per_image', 'mIoU7 (per image)'),
    ('aAcc', 'aAcc'),
)


def mean_std(values: Sequence[float]):
    """Mean and sample standard deviation (0 for a single value); NaN when empty."""
    values = [float(v) for v in values]
    if not values:
        return math.nan, math.nan
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, 0.0
    var = sum((v - mean) ** 2 for v in values) / (len(values) - 1)
    return mean, math.sqrt(var)


def collect_results(cells: List[FinetuneCell]) -> List[dict]:
    """One record per cell: its coordinates, status, metrics or failure, commands."""
    out = []
    for cell in cells:
        rec = OrderedDict(dataset=cell.dataset, init=cell.init, setup=cell.setup,
                          budget=cell.budget, seed=cell.seed, work_dir=cell.work_dir)
        info_file = osp.join(cell.work_dir, 'cell.json')
        info = json.load(open(info_file)) if osp.isfile(info_file) else {}
        if osp.isfile(cell.metrics_file):
            rec['status'] = 'done'
            rec['metrics'] = json.load(open(cell.metrics_file))
        elif osp.isfile(cell.failed_file):
            fail = json.load(open(cell.failed_file))
            rec['status'] = 'failed'
            rec['log'] = fail.get('log', '')
            rec['reason'] = fail.get('reason', '')
        else:
            rec['status'] = 'missing'
        rec['train_command'] = info.get('train_command') or ' '.join(cell.train_argv)
        rec['test_command'] = info.get('test_command') or ' '.join(cell.test_argv)
        rec['checkpoint'] = info.get('checkpoint', '')
        out.append(rec)
    return out


def aggregate(records: List[dict]) -> List[dict]:
    """Group records by dataset x init x setup x budget: mean, std, min, max over seeds."""
    groups: Dict[tuple, List[dict]] = OrderedDict()
    for rec in records:
        groups.setdefault((rec['dataset'], rec['init'], rec['setup'], rec['budget']),
                          []).append(rec)
    rows = []
    for (dataset, init, setup, budget), recs in groups.items():
        done = [r for r in recs if r['status'] == 'done']
        row = OrderedDict(dataset=dataset, init=init, setup=setup, budget=budget,
                          seeds=len(done), seeds_planned=len(recs),
                          seed_list=[r['seed'] for r in done])
        for key, _ in METRICS:
            vals = [r['metrics'][key] for r in done if key in r['metrics']]
            mean, std = mean_std(vals)
            row[f'{key}_mean'] = mean
            row[f'{key}_std'] = std
            row[f'{key}_min'] = min(vals) if vals else math.nan
            row[f'{key}_max'] = max(vals) if vals else math.nan
        row['failed'] = [dict(seed=r['seed'], log=r.get('log', ''), reason=r.get('reason', ''))
                         for r in recs if r['status'] == 'failed']
        row['missing'] = [r['seed'] for r in recs if r['status'] == 'missing']
        rows.append(row)
    return rows


def _cell(row: dict, key: str) -> str:
    mean = row[f'{key}_mean']
    if math.isnan(mean):
        return '-'
    if row['seeds'] < 2:
        return f'{mean:.2f}'
    return (f'{mean:.2f} ± {row[f"{key}_std"]:.2f} '
            f'({row[f"{key}_min"]:.1f}-{row[f"{key}_max"]:.1f})')


def _notes(row: dict) -> str:
    notes = [f'seed {f["seed"]} failed (log: {f["log"]})' for f in row['failed']]
    if row['missing']:
        notes.append('not run: seeds ' + ', '.join(str(s) for s in row['missing']))
    return '; '.join(notes)


def markdown_table(rows: List[dict], caption: str = '') -> str:
    """The results as a markdown table (mean ± std (min-max) over seeds)."""
    several = len({r['dataset'] for r in rows}) > 1
    head = (['Dataset'] if several else []) + ['Initialisation', 'Setup', 'Labels'] + \
        [title for _, title in METRICS] + ['Seeds', 'Notes']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for row in rows:
        if row['seeds'] == 0 and row['failed']:
            metrics = ['failed'] * len(METRICS)
        else:
            metrics = [_cell(row, key) for key, _ in METRICS]
        vals = ([row['dataset']] if several else []) + \
            [row['init'], row['setup'], str(row['budget'])] + metrics + \
            [f'{row["seeds"]}/{row["seeds_planned"]}', _notes(row)]
        lines.append('| ' + ' | '.join(vals) + ' |')
    text = '\n'.join(lines) + '\n'
    if caption:
        text = caption.strip() + '\n\n' + text
    return text


def csv_table(rows: List[dict]) -> str:
    """The aggregated results as CSV (one line per dataset x init x setup x budget)."""
    buf = io.StringIO()
    cols = ['dataset', 'init', 'setup', 'budget', 'seeds', 'seeds_planned']
    for key, _ in METRICS:
        cols += [f'{key}_mean', f'{key}_std', f'{key}_min', f'{key}_max']
    cols += ['status', 'notes']
    writer = csv.writer(buf, lineterminator='\n')
    writer.writerow(cols)
    for row in rows:
        status = 'ok' if row['seeds'] == row['seeds_planned'] else (
            'failed' if row['seeds'] == 0 and row['failed'] else 'partial')
        vals = [row[c] for c in cols[:6]]
        for key, _ in METRICS:
            vals += [('' if math.isnan(row[f'{key}_{s}']) else round(row[f'{key}_{s}'], 4))
                     for s in ('mean', 'std', 'min', 'max')]
        writer.writerow(vals + [status, _notes(row)])
    return buf.getvalue()


def write_tables(work_dir: str, records: List[dict], caption: str = '') -> Dict[str, str]:
    """Write ``results.md``, ``results.csv`` (aggregated) and ``results.json`` (per cell,
    with the exact commands). Returns the paths."""
    rows = aggregate(records)
    paths = dict(md=osp.join(work_dir, 'results.md'), csv=osp.join(work_dir, 'results.csv'),
                 json=osp.join(work_dir, 'results.json'))
    atomic_write_text(paths['md'], markdown_table(rows, caption))
    atomic_write_text(paths['csv'], csv_table(rows))
    atomic_write_text(paths['json'], json.dumps(dict(rows=rows, cells=records), indent=2,
                                                default=str) + '\n')
    return paths


def read_scalars(train_dir: str, metric: str = 'mIoU7_dataset'):
    """Training loss and validation metric against iteration from mmengine's scalars.json.

    Args:
        train_dir (str): A Runner work dir (holds ``<timestamp>/vis_data/scalars.json``;
            the newest run wins).
        metric (str): Validation key. Defaults to 'mIoU7_dataset'.

    Returns:
        tuple: ``(loss_steps, losses, val_steps, vals)`` lists.
    """
    files = sorted(glob.glob(osp.join(train_dir, '*', 'vis_data', 'scalars.json')))
    loss_x, loss_y, val_x, val_y = [], [], [], []
    if not files:
        return loss_x, loss_y, val_x, val_y
    with open(files[-1]) as f:
        for line in f:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            step = rec.get('step', rec.get('iter'))
            if step is None:
                continue
            if metric in rec:
                val_x.append(step)
                val_y.append(rec[metric])
            elif 'loss' in rec:
                loss_x.append(step)
                loss_y.append(rec['loss'])
    return loss_x, loss_y, val_x, val_y


def _mean_curve(curves):
    """Mean, min and max over curves at the steps all of them share."""
    if not curves:
        return [], [], [], []
    common = sorted(set.intersection(*[set(x) for x, _ in curves]))
    maps = [dict(zip(x, y)) for x, y in curves]
    mean = [sum(m[s] for m in maps) / len(maps) for s in common]
    lo = [min(m[s] for m in maps) for s in common]
    hi = [max(m[s] for m in maps) for s in common]
    return common, mean, lo, hi


def plot_curves(records: List[dict], out_file: str, metric: str = 'mIoU7_dataset',
                title: Optional[str] = None) -> Optional[str]:
    """Validation mIoU and training loss against iteration per initialisation (mean over
    seeds, band = min-max), one row per dataset x budget (paper Fig. 2). Returns the path,
    or None when no run logged anything."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    series: Dict[tuple, Dict[str, list]] = OrderedDict()
    for rec in records:
        loss_x, loss_y, val_x, val_y = read_scalars(osp.join(rec['work_dir'], 'train'), metric)
        if not loss_x and not val_x:
            continue
        group = series.setdefault((rec['dataset'], rec['budget']), OrderedDict())
        entry = group.setdefault(f'{rec["init"]}-{rec["setup"]}', dict(loss=[], val=[]))
        if loss_x:
            entry['loss'].append((loss_x, loss_y))
        if val_x:
            entry['val'].append((val_x, val_y))
    if not series:
        return None
    nrows = len(series)
    fig, axes = plt.subplots(nrows, 2, figsize=(11, 3.6 * nrows), squeeze=False)
    colours = plt.rcParams['axes.prop_cycle'].by_key()['color']
    names = sorted({n for g in series.values() for n in g})
    for r, ((dataset, budget), group) in enumerate(series.items()):
        for name, entry in group.items():
            colour = colours[names.index(name) % len(colours)]
            for c, kind in enumerate(('val', 'loss')):
                x, mean, lo, hi = _mean_curve(entry[kind])
                if not x:
                    continue
                n = len(entry[kind])
                ax = axes[r][c]
                ax.plot(x, mean, color=colour, marker='o' if kind == 'val' else None,
                        markersize=3, label=f'{name} ({n} seed{"s" if n > 1 else ""})')
                if n > 1:
                    ax.fill_between(x, lo, hi, color=colour, alpha=0.15, linewidth=0)
        axes[r][0].set_ylabel(f'{metric} (test split, %)')
        axes[r][1].set_ylabel('training loss (cross-entropy)')
        for c in range(2):
            axes[r][c].set_xlabel('iteration')
            axes[r][c].set_title(f'{dataset}, {budget} labelled images')
            axes[r][c].grid(alpha=0.3)
        axes[r][0].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    tmp = out_file[:-4] + '.tmp.png'
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    import os
    os.replace(tmp, out_file)
    return out_file
