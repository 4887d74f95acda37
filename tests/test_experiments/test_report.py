"""Table aggregation over seeds and the curves, on fake metrics files."""
import csv
import json
import math
import os
import os.path as osp

from mmdepthpretrain.experiments import (
    FinetuneCell,
    aggregate,
    collect_results,
    mean_std,
    plot_curves,
    read_scalars,
    write_tables,
)


def _cell(tmp_path, init, seed, metrics=None, failed_log=None, scalars=None):
    work = tmp_path / 'cells' / init / f'seed{seed}'
    os.makedirs(work, exist_ok=True)
    cell = FinetuneCell(dataset='synthetic', init=init, setup='full', budget=16, seed=seed,
                        config='c.py', work_dir=str(work), train_argv=['python', 'train'],
                        test_argv=['python', 'test'])
    if metrics:
        (work / 'metrics.json').write_text(json.dumps(metrics))
    if failed_log:
        (work / 'failed.json').write_text(json.dumps(dict(log=failed_log, reason='boom')))
    if scalars:
        vis = work / 'train' / '20260101_000000' / 'vis_data'
        os.makedirs(vis)
        (vis / 'scalars.json').write_text('\n'.join(json.dumps(s) for s in scalars) + '\n')
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
    rows = aggregate(collect_results(cells))
    depth, random, flow = rows
    assert depth['seeds'] == 3 and depth['seed_list'] == [0, 1, 2]
    assert depth['mIoU7_dataset_mean'] == 44.0
    assert abs(depth['mIoU7_dataset_std'] - 4.0) < 1e-9
    assert (depth['mIoU7_per_image_min'], depth['mIoU7_per_image_max']) == (30.0, 35.0)
    assert depth['aAcc_mean'] == 82.0
    assert random['seeds'] == 1 and random['failed'][0]['log'] == '/logs/random1/train.log'
    assert flow['seeds'] == 0

    paths = write_tables(str(tmp_path), collect_results(cells), caption='Caption here.')
    md = open(paths['md']).read()
    assert md.startswith('Caption here.')
    lines = md.splitlines()
    assert 'mIoU7 (dataset)' in lines[2] and 'mIoU7 (per image)' in lines[2]
    assert '| depth | full | 16 | 44.00 ± 4.00 (40.0-48.0) | 33.00 ± 2.65 (30.0-35.0) | ' \
           '82.00 ± 2.00 (80.0-84.0) | 3/3 |' in md
    assert '| random | full | 16 | 20.00 | 10.00 | 60.00 | 1/2 | seed 1 failed ' \
           '(log: /logs/random1/train.log) |' in md
    assert '| flow | full | 16 | failed | failed | failed | 0/1 | seed 0 failed ' \
           '(log: /logs/flow/train.log) |' in md
    with open(paths['csv']) as f:
        table = list(csv.DictReader(f))
    assert [r['status'] for r in table] == ['ok', 'partial', 'failed']
    assert float(table[0]['mIoU7_dataset_mean']) == 44.0
    assert float(table[0]['mIoU7_dataset_std']) == 4.0
    assert table[2]['mIoU7_dataset_mean'] == ''
    cells_json = json.load(open(paths['json']))['cells']
    assert cells_json[0]['train_command'] == 'python train'


def test_curves(tmp_path):
    scal = [dict(loss=2.0, step=10), dict(loss=1.5, step=20),
            dict(mIoU7_dataset=10.0, aAcc=50.0, step=20)]
    cells = [_cell(tmp_path, 'depth', s, _m(1, 1, 1), scalars=scal) for s in (0, 1)]
    cells.append(_cell(tmp_path, 'random', 0, _m(1, 1, 1)))  # no log: left out
    loss_x, loss_y, val_x, val_y = read_scalars(osp.join(cells[0].work_dir, 'train'))
    assert (loss_x, loss_y, val_x, val_y) == ([10, 20], [2.0, 1.5], [20], [10.0])
    out = plot_curves(collect_results(cells), str(tmp_path / 'curves.png'))
    assert out and osp.getsize(out) > 1000
    with open(out, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    assert plot_curves(collect_results(cells[2:]), str(tmp_path / 'none.png')) is None
