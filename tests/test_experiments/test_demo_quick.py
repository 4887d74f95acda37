"""The quick demo end to end (what `make demo QUICK=1` runs): world, depth and flow
pre-training, conversion, fine-tuning, test, table and figures, then a resumed re-run.

About 5 minutes on a quiet 2-core CPU (8 while the other test worker shares the cores)."""
import csv
import json
import os.path as osp

import pytest

from .subprocess_group import run_tool

pytestmark = pytest.mark.heavy

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _demo(work, data, timeout=1800):
    return run_tool(['tools/experiments/demo.py', '--quick', '--work-dir', str(work),
                     '--data-root', str(data)], timeout, 'quick demo')


def test_quick_demo(tmp_path):
    work, data = tmp_path / 'demo', tmp_path / 'world'
    out = _demo(work, data)
    assert (data / 'world.json').is_file()
    for name in ('results.md', 'results.csv', 'results.json', 'commands.log'):
        assert (work / name).is_file(), name
    for name in ('curves.png', 'qualitative.png'):
        with open(work / name, 'rb') as f:
            assert f.read(8) == b'\x89PNG\r\n\x1a\n', name
    curves = json.loads((work / 'curves.json').read_text())  # what curves.png shows
    assert curves['metric'] == 'mIoU7_dataset'
    series = curves['panels'][0]['series']
    assert list(series) == ['random-full', 'depth-full', 'flow-encoder']
    for curve in series.values():
        assert curve['val']['x'] == [15, 30]  # val_interval 15 of 30 iterations
        assert all(0.0 <= v <= 100.0 for v in curve['val']['mean'])
        assert curve['loss']['x'] and all(v > 0 for v in curve['loss']['mean'])
    with open(work / 'results.csv') as f:
        rows = list(csv.DictReader(f))
    assert [(r['init'], r['setup']) for r in rows] == [
        ('random', 'full'), ('depth', 'full'), ('flow', 'encoder')]
    for row in rows:
        assert row['status'] == 'ok' and row['seeds'] == '1'
        for key in ('mIoU7_dataset_mean', 'mIoU7_per_image_mean', 'aAcc_mean'):
            assert 0.0 <= float(row[key]) <= 100.0
    # progress: one status line per stage, mmengine's iteration lines with ETA, runtime
    assert '[demo-quick 2/11] pre-train depth on synthetic ... done in' in out
    assert 'Iter(train)' in out and 'eta:' in out
    assert '[demo] total runtime' in out
    results = json.loads((work / 'results.json').read_text())
    depth = results['pretraining']['synthetic/depth']  # its validation curve, every 10
    assert depth['curves']['abs_rel']['x'] == [10, 20] and 0 < depth['final']['abs_rel'] < 5
    assert 0 <= depth['final']['a1'] <= 1 and depth['seconds'] > 0
    assert results['timings']['total_seconds'] > 0 and results['timings']['pretrain']
    assert '[demo] pre-training synthetic/depth:' in out
    assert 'Pre-training (validation of the checkpoint used)' in (work / 'results.md').read_text()
    commands = (work / 'commands.log').read_text()
    assert commands.count('tools/train.py') == 2 + 3
    assert commands.count('tools/test.py') == 3
    assert 'tools/model_converters/pretrain_to_seg.py' in commands

    # a second run resumes: everything is finished, nothing is run again
    again = _demo(work, data, timeout=600)
    assert again.count('already done (skipped)') == 5 + 3
    assert (work / 'commands.log').read_text() == commands
