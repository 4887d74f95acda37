"""tools/experiments/run_grid.py: a pass over some seeds keeps the others in the table,
--set on dotted option keys, --use-checkpoint, --dry-run, the documented syntax."""
import json
import os.path as osp
import sys

import pytest

import mmdepthpretrain.experiments as experiments

from .grid_utils import SPEC, FakeRunner, make_root

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools', 'experiments'))
import run_grid  # noqa: E402


@pytest.fixture
def grid(tmp_path, monkeypatch):
    """The tiny checkout as run_grid's root, and a runner that spawns no process."""
    monkeypatch.setattr(run_grid, 'REPO', make_root(tmp_path))
    monkeypatch.setattr(experiments, 'GridRunner',
                        lambda plan, echo, print_fn: FakeRunner(plan))
    spec = tmp_path / 'spec.yaml'
    spec.write_text(SPEC.replace('DATA', str(tmp_path / 'world')))
    return str(spec), str(tmp_path / 'out')


def _run(spec, work, *args, **kwargs):
    return run_grid.run(spec, work, list(args), qualitative=False, print_fn=lambda s: None,
                        **kwargs)


def test_a_pass_over_some_seeds_keeps_the_others(grid):
    spec, work = grid
    out = _run(spec, work)
    assert len(out['statuses']) == 6
    before = open(osp.join(work, 'results.md')).read()
    assert '| depth | full | 16 | 41.00 ± 1.41 (40.0-42.0) |' in before
    # seed 2 only: one new cell per init-setup, the table still holds seeds 0 and 1
    out = _run(spec, work, 'finetune.seeds=[2]')
    assert list(out['statuses']) == ['synthetic/random-full/b16/seed2',
                                     'synthetic/depth-full/b16/seed2',
                                     'synthetic/depth-encoder/b16/seed2']
    md = open(osp.join(work, 'results.md')).read()
    assert '| depth | full | 16 | 42.00 ± 2.00 (40.0-44.0) | 31.00 ± 1.00 (30.0-32.0) | ' \
           '81.00 ± 1.00 (80.0-82.0) | +0.00 [+0.00, +0.00] | 3/3 |' in md  # same fake metrics
    rows = json.load(open(osp.join(work, 'results.json')))['rows']
    assert rows[1]['paired']['reference'] == 'random-full'
    assert rows[1]['paired']['mIoU7_dataset']['seeds'] == [0, 1, 2]
    assert rows[1]['per_seed']['mIoU7_dataset'] == {'0': 40.0, '1': 42.0, '2': 44.0}
    cells = json.load(open(osp.join(work, 'results.json')))['cells']
    assert sorted(c['seed'] for c in cells if c['init'] == 'random') == [0, 1, 2]
    # --report-only over seed 0 writes the same table
    _run(spec, work, 'finetune.seeds=[0]', report_only=True)
    assert open(osp.join(work, 'results.md')).read() == md
    data = json.load(open(osp.join(work, 'results.json')))
    assert [r['seeds'] for r in data['rows']] == [3, 3, 3]


def test_dry_run_prints_the_plan(grid, capsys):
    spec, work = grid
    rc = run_grid.main([spec, '--work-dir', work, '--dry-run', '--set',
                        'pretrain.depth.options.param_scheduler.0.milestones=[3]',
                        '--use-checkpoint', 'depth=last'])
    assert rc == 0
    text = capsys.readouterr().out
    lines = text.splitlines()
    assert lines[0] == '# pretrain/synthetic/depth (given checkpoint last)'
    assert lines[1].startswith('OMP_NUM_THREADS=1 ')
    assert "'param_scheduler.0.milestones=[3]'" in lines[1]
    assert sum(ln.startswith('# synthetic/') for ln in lines) == 12  # 6 cells x train, test
    assert not osp.exists(work)  # nothing ran


def test_cli_errors_and_help(grid, capsys):
    spec, work = grid
    assert run_grid.main([spec, '--work-dir', work, '--use-checkpoint', 'flow=x.pth']) == 2
    assert "no pre-training stage 'flow'" in capsys.readouterr().err
    assert run_grid.main([spec, '--work-dir', work, '--set', 'finetune.seed=[1]']) == 2
    assert "unknown key finetune.'seed'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run_grid.parse_args(['--help'])
    help_text = capsys.readouterr().out
    for text in ('pretrain.depth.options.param_scheduler.0.milestones=[15]',
                 "sets the option 'param_scheduler.0.milestones' of stage depth",
                 '--use-checkpoint STAGE=PATH', "'last' for the", '--dry-run'):
        assert text in help_text, text


def test_use_checkpoint_through_the_cli(grid, tmp_path):
    spec, work = grid
    ckpt = tmp_path / 'repo' / 'early.pth'
    ckpt.write_text('')
    out = _run(spec, work, checkpoints=['depth=early.pth'])
    assert set(out['statuses'].values()) == {'done'}
    done = json.load(open(osp.join(work, 'pretrain', 'synthetic', 'depth', 'done.json')))
    assert done['checkpoint'] == str(ckpt) and done['given'] is True
    assert open(osp.join(work, 'pretrain', 'synthetic', 'depth_full.pth')).read() == str(ckpt)
