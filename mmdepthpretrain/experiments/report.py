"""Results of a grid: the table (markdown, CSV, JSON) and the training curves.

Cells are read back from their folders (``metrics.json`` when finished, ``failed.json``
with the log path when a command failed), so the report of an interrupted or partly
failed grid is always consistent with what is on disk; finished cells of earlier runs
in the same work dir (other seeds, budgets, initialisations) are merged in. The metric
columns are the spec's ``report.metrics``.
"""
from __future__ import annotations

import csv
import glob
import io
import json
import math
import os
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple

from .plan import FinetuneCell
from .pretraining import format_pretraining
from .runner import atomic_write_text
from .stats import format_paired, paired_rows

__all__ = [
    'collect_results', 'finished_cells', 'metric_pairs', 'aggregate', 'markdown_table',
    'csv_table', 'write_tables', 'read_scalars', 'curve_series', 'curves_figure',
    'plot_curves', 'mean_std', 'budget_text'
]

Metrics = Optional[Sequence[Tuple[str, str]]]


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


def _load(path: str) -> dict:
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def finished_cells(work_dir: str) -> List[FinetuneCell]:
    """Every finished cell (``metrics.json``) below a grid's work dir, in folder order.

    Coordinates come from the cell's ``cell.json``, or from its folder name
    (``cells/<dataset>/<init>-<setup>/b<budget>/seed<seed>``) when that file is absent.
    """
    cells = []
    pattern = osp.join(work_dir, 'cells', '*', '*', 'b*', 'seed*', 'metrics.json')
    for metrics_file in sorted(glob.glob(pattern)):
        cdir = osp.dirname(metrics_file)
        info = _load(osp.join(cdir, 'cell.json'))
        try:
            if all(k in info for k in ('dataset', 'init', 'setup', 'budget', 'seed')):
                coords = (info['dataset'], info['init'], info['setup'], int(info['budget']),
                          int(info['seed']))
            else:
                seed_dir, budget_dir = osp.basename(cdir), osp.basename(osp.dirname(cdir))
                name = osp.basename(osp.dirname(osp.dirname(cdir)))
                dataset = osp.basename(osp.dirname(osp.dirname(osp.dirname(cdir))))
                init, setup = name.rsplit('-', 1)
                coords = (dataset, init, setup, int(budget_dir[1:]), int(seed_dir[4:]))
        except ValueError:
            continue
        cells.append(FinetuneCell(*coords, config=info.get('config', ''), work_dir=cdir))
    return cells


def _record(cell: FinetuneCell) -> dict:
    rec = OrderedDict(dataset=cell.dataset, init=cell.init, setup=cell.setup,
                      budget=cell.budget, seed=cell.seed, work_dir=cell.work_dir)
    info = _load(cell.info_file)
    if osp.isfile(cell.metrics_file):
        rec['status'] = 'done'
        rec['metrics'] = _load(cell.metrics_file)
    elif osp.isfile(cell.failed_file):
        fail = _load(cell.failed_file)
        rec['status'] = 'failed'
        rec['log'] = fail.get('log', '')
        rec['reason'] = fail.get('reason', '')
    else:
        rec['status'] = 'missing'
    rec['train_command'] = info.get('train_command') or ' '.join(cell.train_argv)
    rec['test_command'] = info.get('test_command') or ' '.join(cell.test_argv)
    rec['checkpoint'] = info.get('checkpoint', '')
    return rec


def _group(rec: dict) -> tuple:
    return rec['dataset'], rec['init'], rec['setup'], rec['budget']


def collect_results(cells: List[FinetuneCell], work_dir: Optional[str] = None) -> List[dict]:
    """One record per cell: its coordinates, status, metrics or failure, commands.

    Args:
        cells (list): The plan's cells, in plan order.
        work_dir (str, optional): The grid's work dir: its finished cells that ``cells``
            does not hold (from runs over other seeds, budgets, ...) are merged in, each
            after the other seeds of its dataset x init x setup x budget. Defaults to None
            (the given cells only).

    Returns:
        list: Records (dicts).
    """
    groups: Dict[tuple, List[dict]] = OrderedDict()
    for cell in cells:
        rec = _record(cell)
        groups.setdefault(_group(rec), []).append(rec)
    if work_dir:
        known = {osp.abspath(c.work_dir) for c in cells}
        extra = [c for c in finished_cells(work_dir) if osp.abspath(c.work_dir) not in known]
        for cell in sorted(extra, key=lambda c: (c.dataset, c.budget, c.init, c.setup,
                                                 c.seed)):
            rec = _record(cell)
            groups.setdefault(_group(rec), []).append(rec)
    return [rec for recs in groups.values() for rec in recs]


def metric_pairs(records: List[dict], metrics: Metrics = None) -> List[Tuple[str, str]]:
    """The ``(key, title)`` metric columns: ``metrics`` when given, else every numeric
    key the finished records hold, in first-seen order (titled by the key)."""
    if metrics:
        return [(str(k), str(t)) for k, t in metrics]
    keys: List[str] = []
    for rec in records:
        for key, value in (rec.get('metrics') or {}).items():
            if isinstance(value, (int, float)) and key not in keys:
                keys.append(key)
    return [(k, k) for k in keys]


def aggregate(records: List[dict], metrics: Metrics = None) -> List[dict]:
    """Group records by dataset x init x setup x budget: mean, std, min, max over seeds.

    Args:
        records (list): From :func:`collect_results`.
        metrics (list, optional): ``(key, title)`` pairs. Defaults to the records' keys.

    Returns:
        list: One row (dict) per group, with ``<key>_mean/_std/_min/_max`` per metric.
    """
    groups: Dict[tuple, List[dict]] = OrderedDict()
    for rec in records:
        groups.setdefault(_group(rec), []).append(rec)
    rows = []
    for (dataset, init, setup, budget), recs in groups.items():
        done = [r for r in recs if r['status'] == 'done']
        row = OrderedDict(dataset=dataset, init=init, setup=setup, budget=budget,
                          seeds=len(done), seeds_planned=len(recs),
                          seed_list=[r['seed'] for r in done])
        for key, _ in metric_pairs(records, metrics):
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


def _cell(row: dict, key: str, decimals: int = 2) -> str:
    mean = row[f'{key}_mean']
    if math.isnan(mean):
        return '-'
    d, r = decimals, max(decimals - 1, 1)
    if row['seeds'] < 2:
        return f'{mean:.{d}f}'
    return (f'{mean:.{d}f} ± {row[f"{key}_std"]:.{d}f} '
            f'({row[f"{key}_min"]:.{r}f}-{row[f"{key}_max"]:.{r}f})')


def budget_text(budget: int) -> str:
    """A budget as the table shows it: the number of labelled images, 'all' for 0 (no
    label budget)."""
    return str(budget) if budget else 'all'


def _notes(row: dict) -> str:
    notes = [f'seed {f["seed"]} failed (log: {f["log"]})' for f in row['failed']]
    if row['missing']:
        notes.append('not run: seeds ' + ', '.join(str(s) for s in row['missing']))
    return '; '.join(notes)


def markdown_table(rows: List[dict], metrics: Sequence[Tuple[str, str]],
                   caption: str = '', reference: str = 'random', decimals: int = 2) -> str:
    """The results as a markdown table (mean ± std (min-max) over seeds), with the paired
    difference of the first metric to ``reference`` (mean over seeds and its interval) and
    the pre-training's final validation values when the rows hold them.

    Args:
        rows (list): From :func:`aggregate` (``paired``, ``pretraining``: optional).
        metrics (list): ``(key, title)`` pairs, one column each.
        caption (str): Text above the table. Defaults to ''.
        reference (str): The compared initialisation's name. Defaults to 'random'.
        decimals (int): Decimals of the metric values (the range over seeds gets one
            fewer, at least one). Defaults to 2.

    Returns:
        str: The markdown text.
    """
    several = len({r['dataset'] for r in rows}) > 1
    paired = bool(metrics) and any((r.get('paired') or {}).get(metrics[0][0], {}).get('n')
                                   for r in rows)
    pre = any((r.get('pretraining') or {}).get('final') for r in rows)
    conf = next((r['paired'][metrics[0][0]]['confidence'] for r in rows if r.get('paired')),
                0.95) if paired else 0.95
    head = (['Dataset'] if several else []) + ['Initialisation', 'Setup', 'Labels'] + \
        [title for _, title in metrics] + \
        ([f'Δ {metrics[0][1]} vs {reference} (paired, {conf:.0%} CI)'] if paired else []) + \
        (['Pre-training (validation of the checkpoint used)'] if pre else []) + ['Seeds', 'Notes']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for row in rows:
        if row['seeds'] == 0 and row['failed']:
            values = ['failed'] * len(metrics)
        else:
            values = [_cell(row, key, decimals) for key, _ in metrics]
        if paired:
            values.append(format_paired(row.get('paired'), metrics[0][0]))
        if pre:
            values.append(format_pretraining(row.get('pretraining'),
                                             row.get('pretraining_titles') or ()))
        vals = ([row['dataset']] if several else []) + \
            [row['init'], row['setup'], budget_text(row['budget'])] + values + \
            [f'{row["seeds"]}/{row["seeds_planned"]}', _notes(row)]
        lines.append('| ' + ' | '.join(vals) + ' |')
    text = '\n'.join(lines) + '\n'
    if caption:
        text = caption.strip() + '\n\n' + text
    return text


def csv_table(rows: List[dict], metrics: Sequence[Tuple[str, str]]) -> str:
    """The aggregated results as CSV (one line per dataset x init x setup x budget)."""
    buf = io.StringIO()
    cols = ['dataset', 'init', 'setup', 'budget', 'seeds', 'seeds_planned']
    for key, _ in metrics:
        cols += [f'{key}_mean', f'{key}_std', f'{key}_min', f'{key}_max']
    cols += ['status', 'notes']
    writer = csv.writer(buf, lineterminator='\n')
    writer.writerow(cols)
    for row in rows:
        status = 'ok' if row['seeds'] == row['seeds_planned'] else (
            'failed' if row['seeds'] == 0 and row['failed'] else 'partial')
        vals = [row[c] for c in cols[:6]]
        for key, _ in metrics:
            vals += [('' if math.isnan(row[f'{key}_{s}']) else round(row[f'{key}_{s}'], 4))
                     for s in ('mean', 'std', 'min', 'max')]
        writer.writerow(vals + [status, _notes(row)])
    return buf.getvalue()


def write_tables(work_dir: str, records: List[dict], caption: str = '',
                 metrics: Metrics = None, reference: str = 'random', confidence: float = 0.95,
                 pretraining: Optional[dict] = None, extra: Optional[dict] = None,
                 decimals: int = 2) -> Dict[str, str]:
    """Write ``results.md``, ``results.csv`` (aggregated) and ``results.json`` (per cell,
    with the exact commands; per row the per-seed values and the paired differences).

    Args:
        work_dir (str): Where the files go.
        records (list): From :func:`collect_results`.
        caption (str): Text above the markdown table. Defaults to ''.
        metrics (list, optional): ``(key, title)`` columns. Defaults to the records' keys.
        reference (str): The initialisation every other one is paired with, seed by seed
            (see :mod:`.stats`). Defaults to 'random'.
        confidence (float): Coverage of the paired intervals. Defaults to 0.95.
        pretraining (dict, optional): init name -> ``dict(summary=..., titles=...)`` from
            :func:`~mmdepthpretrain.experiments.pretraining.pretraining_summary`, shown
            next to the init's rows (matched on ``<dataset>/<stage>``). Defaults to None.
        extra (dict, optional): More top-level entries of ``results.json`` (the
            pre-training curves, timings). Defaults to None.
        decimals (int): Decimals of the markdown table's values. Defaults to 2.

    Returns:
        dict: The paths (``md``, ``csv``, ``json``).
    """
    pairs = metric_pairs(records, metrics)
    rows = aggregate(records, pairs)
    paired_rows(rows, records, [k for k, _ in pairs], reference, confidence)
    for row in rows:
        stage = (pretraining or {}).get(row['init'])
        if stage:
            summary = stage['summaries'].get(row['dataset']) or {}
            row['pretraining'] = {k: v for k, v in summary.items() if k != 'curves'}
            row['pretraining_titles'] = stage['titles']
    paths = dict(md=osp.join(work_dir, 'results.md'), csv=osp.join(work_dir, 'results.csv'),
                 json=osp.join(work_dir, 'results.json'))
    atomic_write_text(paths['md'], markdown_table(rows, pairs, caption, reference,
                                                     decimals))
    atomic_write_text(paths['csv'], csv_table(rows, pairs))
    atomic_write_text(paths['json'], json.dumps(dict(rows=rows, cells=records, **(extra or {})),
                                                indent=2, default=str) + '\n')
    return paths


def read_scalars(train_dir: str, metric: str):
    """Training loss and validation metric against iteration from mmengine's scalars.json.

    Args:
        train_dir (str): A Runner work dir (holds ``<timestamp>/vis_data/scalars.json``;
            the newest run wins).
        metric (str): Validation key.

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


def _mean_curve(curves) -> dict:
    """Mean, min and max over curves at the steps all of them share."""
    common = sorted(set.intersection(*[set(x) for x, _ in curves])) if curves else []
    maps = [dict(zip(x, y)) for x, y in curves]
    return dict(x=common, mean=[sum(m[s] for m in maps) / len(maps) for s in common],
                min=[min(m[s] for m in maps) for s in common],
                max=[max(m[s] for m in maps) for s in common], seeds=len(curves))


def curve_series(records: List[dict], metric: str) -> List[dict]:
    """The curves' data: one panel per dataset x budget, per init-setup the mean, min and
    max over seeds of the validation ``metric`` and of the training loss.

    Returns:
        list: ``dict(dataset, budget, series={name: dict(val=..., loss=...)})`` panels,
        each curve ``dict(x, mean, min, max, seeds)``; runs that logged nothing are left
        out.
    """
    raw: Dict[tuple, Dict[str, dict]] = OrderedDict()
    for rec in records:
        loss_x, loss_y, val_x, val_y = read_scalars(osp.join(rec['work_dir'], 'train'), metric)
        if not loss_x and not val_x:
            continue
        group = raw.setdefault((rec['dataset'], rec['budget']), OrderedDict())
        entry = group.setdefault(f'{rec["init"]}-{rec["setup"]}', dict(loss=[], val=[]))
        if loss_x:
            entry['loss'].append((loss_x, loss_y))
        if val_x:
            entry['val'].append((val_x, val_y))
    return [dict(dataset=dataset, budget=budget,
                 series=OrderedDict((name, {k: _mean_curve(v) for k, v in entry.items()})
                                    for name, entry in group.items()))
            for (dataset, budget), group in raw.items()]


def curves_figure(panels: List[dict], metric_title: str, title: Optional[str] = None):
    """Draw :func:`curve_series` panels: validation metric (left) and training loss
    (right) against iteration, one row per dataset x budget, band = min-max over seeds
    (the paper's Fig. 2). Returns the matplotlib figure."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(panels), 2, figsize=(11, 3.6 * len(panels)), squeeze=False)
    colours = plt.rcParams['axes.prop_cycle'].by_key()['color']
    names = sorted({n for p in panels for n in p['series']})
    for r, panel in enumerate(panels):
        for name, entry in panel['series'].items():
            colour = colours[names.index(name) % len(colours)]
            for c, kind in enumerate(('val', 'loss')):
                curve = entry[kind]
                if not curve['x']:
                    continue
                n = curve['seeds']
                ax = axes[r][c]
                ax.plot(curve['x'], curve['mean'], color=colour,
                        marker='o' if kind == 'val' else None, markersize=3,
                        label=f'{name} ({n} seed{"s" if n > 1 else ""})')
                if n > 1:
                    ax.fill_between(curve['x'], curve['min'], curve['max'], color=colour,
                                    alpha=0.15, linewidth=0)
        axes[r][0].set_ylabel(f'{metric_title} (test split, %)')
        axes[r][1].set_ylabel('training loss (cross-entropy)')
        for c in range(2):
            axes[r][c].set_xlabel('iteration')
            axes[r][c].set_title(f'{panel["dataset"]}, {budget_text(panel["budget"])} labelled '
                                 f'images')
            axes[r][c].grid(alpha=0.3)
        axes[r][0].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_curves(records: List[dict], out_file: str, metric: str, title: Optional[str] = None,
                metric_title: Optional[str] = None) -> Optional[str]:
    """Write the curves figure (PNG) and its data (``<out_file stem>.json``).

    Args:
        records (list): From :func:`collect_results`.
        out_file (str): The PNG path (written atomically).
        metric (str): Validation key of the left column.
        title (str, optional): Figure title. Defaults to None.
        metric_title (str, optional): The metric's axis name. Defaults to ``metric``.

    Returns:
        str or None: The PNG path, or None when no run logged anything.
    """
    panels = curve_series(records, metric)
    if not panels:
        return None
    fig = curves_figure(panels, metric_title or metric, title)
    import matplotlib.pyplot as plt

    stem = osp.splitext(out_file)[0]
    atomic_write_text(stem + '.json', json.dumps(dict(metric=metric, panels=panels),
                                                 indent=2) + '\n')
    tmp = stem + '.tmp.png'
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, out_file)
    return out_file
