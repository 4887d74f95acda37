"""Table aggregation over seeds, merging of earlier runs, and the curves, on fake files."""
import csv
import json
import math
import os
import os.path as osp

import pytest

from mmdepthpretrain.experiments import (
    FinetuneCell,
    aggregate,
    cell_work_dir,
    collect_results,
    curve_series,
    curves_figure,
    finished_cells,
    mean_std,
    metric_pairs,
    plot_curves,
    read_scalars,
    write_tables,
)

METRICS = [('mIoU7_dataset', 'mIoU7 (dataset)'), ('mIoU7_per_image', 'mIoU7 (per image)'),
           ('aAcc', 'aAcc')]


def _cell(tmp_path, init, seed, metrics=None, failed_log=None, scalars=None, budget=16,
          info=True):
    work = cell_work_dir(str(tmp_path), 'synthetic', init, 'full', budget, seed)
    os.makedirs(work, exist_ok=True)
    cell = FinetuneCell(dataset='synthetic', init=init, setup='full', budget=budget, seed=seed,
                        config='c.py', work_dir=work, train_argv=['python', 'train'],
                        test_argv=['python', 'test'])
    if metrics:
        with open(cell.metrics_file, 'w') as f:
            json.dump(metrics, f)
        if info:
            with open(cell.info_file, 'w') as f:
                json.dump(dict(dataset='synthetic', init=init, setup='full', budget=budget,
                               seed=seed, train_command=f'train {init} {seed}'), f)
    if failed_log:
        with open(cell.failed_file, 'w') as f:
            json.dump(dict(log=failed_log, reason='boom'), f)
    if scalars:
        vis = osp.join(work, 'train', '20260101_000000', 'vis_data')
        os.makedirs(vis)
        with open(osp.join(vis, 'scalars.json'), 'w') as f:
            f.write('\n'.join(json.dumps(s) for s in scalars) + '\n')
    return cell


def _m(a, b, c):
    return dict(mIoU7_dataset=a, mIoU7_per_image=b, aAcc=c, mIoU=1.0)


def test_mean_std():
    mean, std = mean_std([1.0, 2.0, 3.0])
    assert mean == 2.0 and abs(std - 1.0) < 1e-12  # sample std
    assert mean_std([5.0]) == (5.0, 0.0)
    assert all(math.isnan(v) for v in mean_std([]))


def test_aggregate_and_tables(tmp_path):
    cells = [
        _cell(tmp_path, 'depth', 0, _m(40.0, 30.0, 80.0)),
        _cell(tmp_path, 'depth', 1, _m(44.0, 34.0, 82.0)),
        _cell(tmp_path, 'depth', 2, _m(48.0, 35.0, 84.0)),
        _cell(tmp_path, 'random', 0, _m(20.0, 10.0, 60.0)),
        _cell(tmp_path, 'random', 1, failed_log='/logs/random1/train.log'),
        _cell(tmp_path, 'flow', 0, failed_log='/logs/flow/train.log'),
    ]
    rows = aggregate(collect_results(cells), METRICS)
    depth, random, flow = rows
    assert depth['seeds'] == 3 and depth['seed_list'] == [0, 1, 2]
    assert depth['mIoU7_dataset_mean'] == 44.0
    assert abs(depth['mIoU7_dataset_std'] - 4.0) < 1e-9
    assert (depth['mIoU7_per_image_min'], depth['mIoU7_per_image_max']) == (30.0, 35.0)
    assert depth['aAcc_mean'] == 82.0
    assert 'mIoU_mean' not in depth  # only the metrics asked for
    assert random['seeds'] == 1 and random['failed'][0]['log'] == '/logs/random1/train.log'
    assert flow['seeds'] == 0

    paths = write_tables(str(tmp_path), collect_results(cells), caption='Caption here.',
                         metrics=METRICS)
    md = open(paths['md']).read()
    assert md.startswith('Caption here.')
    lines = md.splitlines()
    assert lines[2] == ('| Initialisation | Setup | Labels | mIoU7 (dataset) | '
                        'mIoU7 (per image) | aAcc | Δ mIoU7 (dataset) vs random (paired, '
                        '95% CI) | Seeds | Notes |')
    # depth pairs with random on seed 0 only (random seed 1 failed): 40 - 20
    assert '| depth | full | 16 | 44.00 ± 4.00 (40.0-48.0) | 33.00 ± 2.65 (30.0-35.0) | ' \
           '82.00 ± 2.00 (80.0-84.0) | +20.00 (1 seed) | 3/3 |' in md
    assert '| random | full | 16 | 20.00 | 10.00 | 60.00 | - | 1/2 | seed 1 failed ' \
           '(log: /logs/random1/train.log) |' in md
    assert '| flow | full | 16 | failed | failed | failed | - | 0/1 | seed 0 failed ' \
           '(log: /logs/flow/train.log) |' in md
    with open(paths['csv']) as f:
        table = list(csv.DictReader(f))
    assert [r['status'] for r in table] == ['ok', 'partial', 'failed']
    assert float(table[0]['mIoU7_dataset_mean']) == 44.0
    assert float(table[0]['mIoU7_dataset_std']) == 4.0
    assert float(table[1]['aAcc_max']) == 60.0
    assert table[2]['mIoU7_dataset_mean'] == ''
    cells_json = json.load(open(paths['json']))['cells']
    assert cells_json[0]['train_command'] == 'train depth 0'
    assert cells_json[4]['train_command'] == 'python train'  # failed: the planned command
    assert [c['status'] for c in cells_json] == ['done'] * 4 + ['failed'] * 2


def test_metric_columns_come_from_the_caller(tmp_path):
    """No metric name is built in: the columns are the ones given, else what cells wrote."""
    cells = [_cell(tmp_path, 'depth', s, dict(mIoU=10.0 + s, mAcc=50.0, note='x'))
             for s in (0, 1)]
    records = collect_results(cells)
    assert metric_pairs(records) == [('mIoU', 'mIoU'), ('mAcc', 'mAcc')]
    paths = write_tables(str(tmp_path), records, metrics=[('mAcc', 'Mean acc.')])
    md = open(paths['md']).read().splitlines()
    assert md[0] == '| Initialisation | Setup | Labels | Mean acc. | Seeds | Notes |'
    assert md[2] == '| depth | full | 16 | 50.00 ± 0.00 (50.0-50.0) | 2/2 |  |'
    md = open(write_tables(str(tmp_path), records)['md']).read().splitlines()
    assert md[2].startswith('| depth | full | 16 | 10.50 ± 0.71 (10.0-11.0) | 50.00 ± 0.00')


def test_report_merges_finished_cells_of_earlier_runs(tmp_path):
    """A run over seed 1 only must not drop seeds 0 and 2 that finished before."""
    _cell(tmp_path, 'depth', 0, _m(40.0, 30.0, 80.0))
    _cell(tmp_path, 'depth', 2, _m(48.0, 35.0, 84.0), info=False)  # cell.json lost
    _cell(tmp_path, 'depth', 0, _m(60.0, 50.0, 90.0), budget=32)
    _cell(tmp_path, 'random', 5, failed_log='/logs/x.log')  # failed, not planned: left out
    this_pass = [_cell(tmp_path, 'depth', 1, _m(44.0, 34.0, 82.0)),
                 _cell(tmp_path, 'random', 0)]  # planned, not run yet
    found = finished_cells(str(tmp_path))
    assert sorted((c.init, c.budget, c.seed) for c in found) == [
        ('depth', 16, 0), ('depth', 16, 1), ('depth', 16, 2), ('depth', 32, 0)]
    records = collect_results(this_pass, str(tmp_path))
    assert [(r['init'], r['budget'], r['seed'], r['status']) for r in records] == [
        ('depth', 16, 1, 'done'), ('depth', 16, 0, 'done'), ('depth', 16, 2, 'done'),
        ('random', 16, 0, 'missing'), ('depth', 32, 0, 'done')]
    assert records[1]['train_command'] == 'train depth 0'
    rows = aggregate(records, METRICS)
    assert rows[0]['seeds'] == 3 and rows[0]['mIoU7_dataset_mean'] == 44.0
    md = open(write_tables(str(tmp_path), records, metrics=METRICS)['md']).read()
    assert '| depth | full | 16 | 44.00 ± 4.00 (40.0-48.0) |' in md
    assert '| random | full | 16 | - | - | - | 0/1 | not run: seeds 0 |' in md
    assert '| depth | full | 32 | 60.00 | 50.00 | 90.00 | 1/1 |' in md
    assert len(collect_results(this_pass)) == 2  # without the work dir: the given cells


def test_curves(tmp_path):
    scal0 = [dict(loss=2.0, step=10), dict(loss=1.5, step=20),
             dict(mIoU7_dataset=10.0, aAcc=50.0, step=20)]
    scal1 = [dict(loss=3.0, step=10), dict(loss=2.5, step=20), dict(loss=9.0, step=30),
             dict(mIoU7_dataset=20.0, aAcc=50.0, step=20)]
    cells = [_cell(tmp_path, 'depth', 0, _m(1, 1, 1), scalars=scal0),
             _cell(tmp_path, 'depth', 1, _m(1, 1, 1), scalars=scal1),
             _cell(tmp_path, 'flow', 0, _m(1, 1, 1), scalars=scal0),
             _cell(tmp_path, 'random', 0, _m(1, 1, 1))]  # no log: left out
    loss_x, loss_y, val_x, val_y = read_scalars(osp.join(cells[0].work_dir, 'train'),
                                                'mIoU7_dataset')
    assert (loss_x, loss_y, val_x, val_y) == ([10, 20], [2.0, 1.5], [20], [10.0])
    records = collect_results(cells)
    panels = curve_series(records, 'mIoU7_dataset')
    assert [(p['dataset'], p['budget'], list(p['series'])) for p in panels] == [
        ('synthetic', 16, ['depth-full', 'flow-full'])]
    depth = panels[0]['series']['depth-full']
    # mean over seeds at the shared steps (step 30 is seed 1's only), band = min-max
    assert depth['loss'] == dict(x=[10, 20], mean=[2.5, 2.0], min=[2.0, 1.5], max=[3.0, 2.5],
                                 seeds=2)
    assert depth['val'] == dict(x=[20], mean=[15.0], min=[10.0], max=[20.0], seeds=2)

    fig = curves_figure(panels, 'mIoU7 (dataset)', 'A title')
    val_ax, loss_ax = fig.axes[:2]
    assert val_ax.get_ylabel() == 'mIoU7 (dataset) (test split, %)'
    assert [ln.get_label() for ln in val_ax.lines] == ['depth-full (2 seeds)',
                                                       'flow-full (1 seed)']
    assert val_ax.lines[0].get_xydata().tolist() == [[20.0, 15.0]]
    assert loss_ax.lines[0].get_xydata().tolist() == [[10.0, 2.5], [20.0, 2.0]]
    assert loss_ax.lines[1].get_xydata().tolist() == [[10.0, 2.0], [20.0, 1.5]]
    assert len(loss_ax.collections) == 1  # the min-max band of the 2-seed run only
    band = loss_ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].min() == pytest.approx(1.5) and band[:, 1].max() == pytest.approx(3.0)
    assert fig._suptitle.get_text() == 'A title'
    import matplotlib.pyplot as plt
    plt.close(fig)

    out = plot_curves(records, str(tmp_path / 'curves.png'), 'mIoU7_dataset',
                      metric_title='mIoU7 (dataset)')
    with open(out, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    data = json.load(open(tmp_path / 'curves.json'))
    assert data['metric'] == 'mIoU7_dataset'
    assert data['panels'][0]['series']['depth-full']['val']['mean'] == [15.0]
    assert data['panels'][0]['series']['flow-full']['loss']['x'] == [10, 20]
    # another metric is read from the same logs
    aacc = curve_series(records, 'aAcc')[0]['series']['depth-full']['val']
    assert aacc['mean'] == [50.0]
    assert plot_curves(collect_results(cells[3:]), str(tmp_path / 'none.png'),
                       'mIoU7_dataset') is None
    assert not osp.exists(tmp_path / 'none.json')
