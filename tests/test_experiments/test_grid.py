"""The grid runner: commands, skipping finished cells, failures, the results table."""
import json
import os
import os.path as osp

import pytest

from mmdepthpretrain.experiments import (
    GridRunner,
    GridSpecError,
    aggregate,
    collect_results,
    load_spec,
    plan_grid,
    write_tables,
)

SPEC = """
name: t
env: {OMP_NUM_THREADS: '1'}
loader_options: {num_workers: 0, persistent_workers: false}
datasets:
  synthetic: {data_root: DATA}
pretrain:
  depth:
    config: configs/synthetic/monodepth2-m_r18_1xb4-400_synthetic-320x96.py
    iters: 5
finetune:
  config: configs/synthetic/depthseg_r18-{init}-{setup}_1xb4-300_synthetic-320x96.py
  iters: 4
  val_interval: 2
  options: {param_scheduler.0.T_max: '{iters}'}
  inits:
    random: {setups: [full]}
    depth: {pretrain: depth, setups: [full, encoder]}
  budgets: [16]
  seeds: [0, 1]
"""


def _spec(tmp_path, text=SPEC):
    path = tmp_path / 'spec.yaml'
    path.write_text(text.replace('DATA', str(tmp_path / 'world')))
    return load_spec(str(path))


class FakeRunner(GridRunner):
    """Runs no process: writes what each tool would write; ``fail`` names failing cells."""

    def __init__(self, *args, fail=(), **kwargs):
        super().__init__(*args, echo=False, print_fn=lambda s: None, **kwargs)
        self.spawned = []
        self.fail = fail

    def _spawn(self, argv, log_file):
        self.spawned.append(argv)
        os.makedirs(osp.dirname(log_file), exist_ok=True)
        with open(log_file, 'w') as f:
            f.write('some output\nRuntimeError: boom\n')
        if any(name in log_file for name in self.fail):
            return 1
        tool = argv[1]
        if tool == 'tools/train.py':
            work = argv[argv.index('--work-dir') + 1]
            os.makedirs(work, exist_ok=True)
            open(osp.join(work, 'iter_4.pth'), 'w').close()
            with open(osp.join(work, 'last_checkpoint'), 'w') as f:
                f.write(osp.join(work, 'iter_4.pth'))
        elif tool == 'tools/test.py':
            seed = int(argv[argv.index('--out') + 1].split('seed')[-1].split(os.sep)[0])
            with open(argv[argv.index('--out') + 1], 'w') as f:
                json.dump(dict(aAcc=80.0 + seed, mIoU7_dataset=40.0 + 2 * seed,
                               mIoU7_per_image=30.0 + seed, mIoU=20.0), f)
        else:  # converter
            open(argv[3], 'w').close()
        return 0


def test_plan_commands(tmp_path):
    plan = plan_grid(_spec(tmp_path), str(tmp_path / 'out'), python='python')
    assert [s.key for s in plan.stages] == [
        'pretrain/synthetic/depth', 'convert/synthetic/depth/encoder',
        'convert/synthetic/depth/full']
    assert len(plan.cells) == 3 * 2
    cell = next(c for c in plan.cells if c.init == 'depth' and c.setup == 'encoder')
    argv = cell.train_argv
    assert argv[:3] == ['python', 'tools/train.py', 'configs/synthetic/depthseg_r18-depth-'
                        'encoder_1xb4-300_synthetic-320x96.py']
    init_file = str(tmp_path / 'out' / 'pretrain' / 'synthetic' / 'depth_encoder.pth')
    for opt in ('train_cfg.max_iters=4', 'train_cfg.val_interval=2',
                'param_scheduler.0.T_max=4', f'randomness.seed={cell.seed}',
                'train_dataloader.dataset.num_labelled=16', 'test_dataloader.num_workers=0',
                f'train_dataloader.dataset.data_root={tmp_path / "world"}',
                f'load_from={init_file}'):
        assert opt in argv, opt
    # the converter mode comes from the config's load_from (depth_r18_encoder.pth)
    conv = plan.stage('convert/synthetic/depth/encoder')
    assert conv.argv[-3:] == ['--mode', 'encoder', '--overwrite']
    assert not any(a.startswith('load_from=') for a in
                   next(c for c in plan.cells if c.init == 'random').train_argv)


def test_spec_errors(tmp_path):
    with pytest.raises(GridSpecError, match="unknown pre-training stage 'flow'"):
        plan_grid(_spec(tmp_path, SPEC.replace('pretrain: depth', 'pretrain: flow')), 'x')
    with pytest.raises(GridSpecError, match='config of random-nonsense not found'):
        plan_grid(_spec(tmp_path, SPEC.replace('setups: [full]}', 'setups: [nonsense]}')), 'x')
    with pytest.raises(GridSpecError, match='missing top-level key'):
        _spec(tmp_path, 'name: x\n')


def test_run_records_commands_and_resumes(tmp_path):
    plan = plan_grid(_spec(tmp_path), str(tmp_path / 'out'), python='python')
    # a cell finished by an earlier (interrupted) run
    done = next(c for c in plan.cells if c.init == 'random' and c.seed == 1)
    os.makedirs(done.work_dir)
    with open(done.metrics_file, 'w') as f:
        json.dump(dict(aAcc=81.0, mIoU7_dataset=42.0, mIoU7_per_image=31.0), f)

    runner = FakeRunner(plan)
    statuses = runner.run()
    assert set(statuses.values()) == {'done'}
    tools = [a[1] for a in runner.spawned]
    assert tools.count('tools/train.py') == 1 + 5  # pre-training + 5 unfinished cells
    assert tools.count('tools/test.py') == 5
    assert not any(done.work_dir in ' '.join(a) for a in runner.spawned)

    log = open(runner.commands_log).read()
    for cell in plan.cells:
        if cell is not done:
            assert f'OMP_NUM_THREADS=1 python tools/train.py {cell.config}' in log
            assert osp.join(cell.work_dir, 'metrics.json') in log
    records = collect_results(plan.cells)
    rec = next(r for r in records if r['init'] == 'depth' and r['setup'] == 'full'
               and r['seed'] == 0)
    assert rec['train_command'].startswith('OMP_NUM_THREADS=1 python tools/train.py')
    assert 'iter_4.pth' in rec['test_command']

    # a second run spawns nothing: every stage and cell is finished
    again = FakeRunner(plan)
    again.run()
    assert again.spawned == []


def test_failed_cell_reported_and_others_go_on(tmp_path):
    plan = plan_grid(_spec(tmp_path), str(tmp_path / 'out'), python='python')
    bad = next(c for c in plan.cells if c.init == 'depth' and c.setup == 'full' and c.seed == 1)
    runner = FakeRunner(plan, fail=(osp.join(bad.work_dir, 'train.log'),))
    statuses = runner.run()
    assert statuses[bad.key] == 'failed'
    assert sum(v == 'done' for v in statuses.values()) == 5
    paths = write_tables(plan.work_dir, collect_results(plan.cells))
    md = open(paths['md']).read()
    row = next(ln for ln in md.splitlines() if ln.startswith('| depth | full'))
    assert f'seed 1 failed (log: {bad.train_log})' in row
    assert '| 1/2 |' in row
    assert 'partial' in open(paths['csv']).read()
    # the failure is retried on the next run, finished cells are not
    again = FakeRunner(plan)
    assert again.run()[bad.key] == 'done'
    assert len(again.spawned) == 2  # train + test of the failed cell only


def test_failed_pretraining_fails_its_cells_only(tmp_path):
    plan = plan_grid(_spec(tmp_path), str(tmp_path / 'out'), python='python')
    runner = FakeRunner(plan, fail=(osp.join('pretrain', 'synthetic', 'depth', 'train.log'),))
    statuses = runner.run()
    assert [k for k, v in statuses.items() if v == 'done'] == [
        c.key for c in plan.cells if c.init == 'random']
    rows = aggregate(collect_results(plan.cells))
    depth = next(r for r in rows if r['init'] == 'depth' and r['setup'] == 'full')
    assert depth['seeds'] == 0 and len(depth['failed']) == 2
    assert depth['failed'][0]['log'].endswith(osp.join('pretrain', 'synthetic', 'depth',
                                                       'train.log'))


@pytest.mark.parametrize('name', ['demo_synthetic.yaml', 'demo_synthetic_quick.yaml',
                                  'kitti_r18_paper.yaml'])
def test_shipped_specs_plan(name, tmp_path):
    """Every shipped spec names existing configs and plans its cells."""
    spec = load_spec(osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
                              'configs', 'experiments', name))
    plan = plan_grid(spec, str(tmp_path))
    assert plan.cells and all(osp.isabs(c.work_dir) for c in plan.cells)
    if name.startswith('demo'):
        inits = {(c.init, c.setup) for c in plan.cells}
        assert inits == {('random', 'full'), ('depth', 'full'), ('flow', 'encoder')}
        assert all(c.budget == 16 for c in plan.cells)
        seeds = {c.seed for c in plan.cells}
        assert len(seeds) >= (1 if 'quick' in name else 3)
