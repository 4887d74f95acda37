"""The synthetic detection grid end to end through tools/experiments/run_grid.py: world,
COCO conversion of its instances, Mask R-CNN ViT-S training, test through mmdet's
CocoMetric, and the printed table with box and mask mAP; then a resumed re-run.

A tiny world (3 snippets at 192x96) and 2 iterations; about a minute on a quiet 2-core
CPU."""
import csv
import json
import math
import os.path as osp

import pytest

from .subprocess_group import run_tool

pytestmark = pytest.mark.heavy

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SPEC = osp.join(REPO, 'configs', 'experiments', 'synthetic_det.yaml')
COLUMNS = ('box mAP', 'box mAP@50', 'box mAP@75', 'mask mAP', 'mask mAP@50', 'mask mAP@75')


def _grid(work, data, timeout=900):
    """run_grid.py on the spec with a tiny world and 2 iterations, in its own process
    group (killed whole on a timeout); returns its output."""
    overrides = [
        f'datasets.synthetic_det.data_root={data}',
        'datasets.synthetic_det.generate={layout: cityscapes, sequences: 3, frames: 4, '
        'size: [192, 96], seed: 0, workers: 1}',
        'finetune.iters=2', 'finetune.val_interval=2', 'finetune.options.default_hooks.'
        'logger.interval=1']
    return run_tool(['tools/experiments/run_grid.py', SPEC, '--work-dir', str(work),
                     '--set', *overrides], timeout, 'grid')


def test_synthetic_detection_grid_end_to_end(tmp_path):
    work, data = tmp_path / 'grid', tmp_path / 'world'
    out = _grid(work, data)
    for split in ('train', 'val'):  # the conversion stage wrote the COCO files
        coco = json.loads((data / 'annotations' / f'instances_{split}.json').read_text())
        assert coco['images'] and coco['annotations'], split
        assert {a['category_id'] for a in coco['annotations']} <= {1, 3}  # person, car
    # the printed table: every COCO column, one row (random init, every labelled image)
    lines = out.splitlines()
    head = next(ln for ln in lines if ln.startswith('| Initialisation'))
    assert all(f'| {c} |' in head for c in COLUMNS), head
    row = next(ln for ln in lines if ln.startswith('| random | full | all |'))
    values = [float(v) for v in row.split('|')[4:10]]
    assert all(math.isfinite(v) and 0.0 <= v <= 1.0 for v in values), row
    with open(work / 'results.csv') as f:
        (rec,) = list(csv.DictReader(f))
    assert rec['status'] == 'ok' and rec['budget'] == '0'
    for kind in ('bbox', 'segm'):
        for key in ('mAP', 'mAP_50', 'mAP_75'):
            value = float(rec[f'coco/{kind}_{key}_mean'])
            assert math.isfinite(value) and 0.0 <= value <= 1.0, (kind, key)
    metrics = json.loads((work / 'cells' / 'synthetic_det' / 'random-full' / 'b0' / 'seed0' /
                          'metrics.json').read_text())
    assert float(metrics['coco/bbox_mAP']) == float(rec['coco/bbox_mAP_mean'])
    commands = (work / 'commands.log').read_text()
    assert commands.count('tools/dataset_converters/instances_to_coco.py') == 2
    assert 'num_labelled' not in commands
    assert f'test_evaluator.ann_file={data}/annotations/instances_val.json' in commands
    assert 'Iter(train) [2/2]' in out

    # a second run resumes: world, conversions and the cell are finished, nothing runs
    again = _grid(work, data, timeout=300)
    assert again.count('already done (skipped)') == 1 + 2 + 1
    assert (work / 'commands.log').read_text() == commands
    assert row in again
