"""The grid runner: commands, skipping finished cells, failures, given checkpoints."""
import json
import os
import os.path as osp

from mmdepthpretrain.experiments import aggregate, collect_results, plan_grid, write_tables

from .grid_utils import TOOLS, FakeRunner, make_root, make_spec


def _plan(tmp_path, **kwargs):
    return plan_grid(make_spec(tmp_path, **kwargs), str(tmp_path / 'out'), TOOLS,
                     make_root(tmp_path))


def test_run_records_commands_and_resumes(tmp_path):
    plan = _plan(tmp_path)
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
    info = json.load(open(osp.join(rec['work_dir'], 'cell.json')))
    assert (info['init'], info['setup'], info['budget'], info['seed']) == ('depth', 'full', 16, 0)
    # the status line names the spec's metrics with their values (seed 0: 40, 30, 80)
    assert any(ln.endswith('mIoU7 (dataset) 40.00, mIoU7 (per image) 30.00, aAcc 80.00')
               for ln in runner.lines), runner.lines
    # pre-training's done.json names its checkpoint and command
    pre = json.load(open(plan.stage('pretrain/synthetic/depth').done_file))
    assert pre['checkpoint'].endswith(osp.join('pretrain', 'synthetic', 'depth', 'iter_4.pth'))
    assert pre['command'].startswith('OMP_NUM_THREADS=1 python tools/train.py')

    # a second run spawns nothing: every stage and cell is finished
    again = FakeRunner(plan)
    again.run()
    assert again.spawned == []


def test_failed_cell_reported_and_others_go_on(tmp_path):
    plan = _plan(tmp_path)
    bad = next(c for c in plan.cells if c.init == 'depth' and c.setup == 'full' and c.seed == 1)
    runner = FakeRunner(plan, fail=(osp.join(bad.work_dir, 'train.log'),))
    statuses = runner.run()
    assert statuses[bad.key] == 'failed'
    assert sum(v == 'done' for v in statuses.values()) == 5
    paths = write_tables(plan.work_dir, collect_results(plan.cells), metrics=plan.metrics)
    md = open(paths['md']).read()
    row = next(ln for ln in md.splitlines() if ln.startswith('| depth | full'))
    assert f'seed 1 failed (log: {bad.train_log})' in row
    assert '| 1/2 |' in row
    assert '| 40.00 | 30.00 | 80.00 |' in row  # seed 0 only
    assert 'partial' in open(paths['csv']).read()
    # the failure is retried on the next run, finished cells are not
    again = FakeRunner(plan)
    assert again.run()[bad.key] == 'done'
    assert len(again.spawned) == 2  # train + test of the failed cell only


def test_failed_pretraining_fails_its_cells_only(tmp_path):
    plan = _plan(tmp_path)
    runner = FakeRunner(plan, fail=(osp.join('pretrain', 'synthetic', 'depth', 'train.log'),))
    statuses = runner.run()
    assert [k for k, v in statuses.items() if v == 'done'] == [
        c.key for c in plan.cells if c.init == 'random']
    rows = aggregate(collect_results(plan.cells), plan.metrics)
    depth = next(r for r in rows if r['init'] == 'depth' and r['setup'] == 'full')
    assert depth['seeds'] == 0 and len(depth['failed']) == 2
    assert depth['failed'][0]['log'].endswith(osp.join('pretrain', 'synthetic', 'depth',
                                                       'train.log'))


def test_given_checkpoint_finishes_the_pretraining(tmp_path):
    given = tmp_path / 'repo' / 'depth_iter_3.pth'
    make_root(tmp_path)
    given.write_text('')
    plan = _plan(tmp_path, checkpoints=['depth=depth_iter_3.pth'])
    runner = FakeRunner(plan)
    assert set(runner.run().values()) == {'done'}
    # no pre-training ran; both conversions read the given file
    pdir = plan.stage('pretrain/synthetic/depth').outputs['work_dir']
    assert not any(pdir in argv for argv in runner.spawned)  # no --work-dir PDIR
    convs = [a for a in runner.spawned if a[1] == TOOLS.convert]
    assert [a[2] for a in convs] == [str(given)] * 2
    assert json.load(open(plan.stage('pretrain/synthetic/depth').done_file)) == dict(
        checkpoint=str(given), given=True, replaced=None)
    assert any(f'pre-train depth on synthetic ... using the given checkpoint {given} '
               '(not trained)' in ln for ln in runner.lines)
    assert sum(a[1] == TOOLS.train for a in runner.spawned) == 6  # the cells only
    # a later run without the option keeps the stage finished with that checkpoint
    again = FakeRunner(_plan(tmp_path))
    again.run()
    assert again.spawned == []


def test_last_checkpoint_of_a_stopped_pretraining(tmp_path):
    plan = _plan(tmp_path, checkpoints=['depth=last'])
    stage = plan.stage('pretrain/synthetic/depth')
    # without any checkpoint in the stage's folder the stage fails and so do its cells
    runner = FakeRunner(plan)
    statuses = runner.run()
    assert [k for k, v in statuses.items() if v == 'done'] == [
        c.key for c in plan.cells if c.init == 'random']
    assert any("FAILED: checkpoint 'last' given, but" in ln for ln in runner.lines)
    # a pre-training interrupted after writing iter_2.pth
    pdir = stage.outputs['work_dir']
    os.makedirs(pdir, exist_ok=True)
    (tmp_path / 'out' / 'pretrain' / 'synthetic' / 'depth' / 'iter_2.pth').write_text('')
    with open(osp.join(pdir, 'last_checkpoint'), 'w') as f:
        f.write(osp.join(pdir, 'iter_2.pth'))
    runner = FakeRunner(plan)
    assert set(runner.run().values()) == {'done'}
    assert json.load(open(stage.done_file))['checkpoint'] == osp.join(pdir, 'iter_2.pth')
    assert [a[2] for a in runner.spawned if a[1] == TOOLS.convert] == [
        osp.join(pdir, 'iter_2.pth')] * 2


def test_changed_checkpoint_redoes_the_conversions(tmp_path):
    plan = _plan(tmp_path)
    FakeRunner(plan).run()  # trained to the end: iter_4.pth
    other = tmp_path / 'repo' / 'iter_1.pth'
    other.write_text('')
    runner = FakeRunner(_plan(tmp_path, checkpoints=['depth=iter_1.pth']))
    runner.run()
    assert [(a[1], a[2]) for a in runner.spawned] == [(TOOLS.convert, str(other))] * 2
    conv = plan.stage('convert/synthetic/depth/full')
    assert open(conv.done_file).read() == str(other)
    done = json.load(open(plan.stage('pretrain/synthetic/depth').done_file))
    assert done['checkpoint'] == str(other)
    assert done['replaced'].endswith('iter_4.pth')
    assert any('4 finished fine-tuning cell(s) started from the earlier checkpoint' in ln
               for ln in runner.lines), runner.lines
