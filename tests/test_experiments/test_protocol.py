"""Pre-training curves and early stopping, the held-out validation split, searched learning
rates and the grid's timings."""
import json
import os
import os.path as osp
import sys

import pytest

from mmdepthpretrain.experiments import (
    GridSpecError,
    choose_lr,
    early_stop_config,
    format_pretraining,
    plan_grid,
    pretraining_summary,
    read_val_curves,
)

from .grid_utils import SPEC, TOOLS, FakeRunner, make_root, make_spec

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools', 'experiments'))

EARLY = SPEC.replace('    iters: 5\n', '    iters: 5\n    val_interval: 1\n'
                     '    early_stop: {metric: abs_rel, patience: 2, min_delta: 0.01}\n')


def _scalars(work, lines):
    path = osp.join(work, '20260101_000000', 'vis_data', 'scalars.json')
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write('\n'.join(json.dumps(x) for x in lines) + '\nnot json\n')


def test_val_curves_and_summary(tmp_path):
    work = str(tmp_path / 'grid')
    pdir = osp.join(work, 'pretrain', 'synthetic', 'depth')
    _scalars(pdir, [dict(loss=0.5, step=10), dict(abs_rel=0.45, a1=0.30, step=50),
                    dict(loss=0.4, step=60), dict(abs_rel=0.20, a1=0.71, step=100)])
    curves = read_val_curves(pdir, ['abs_rel', 'a1', 'EPE'])
    assert curves == {'abs_rel': dict(x=[50, 100], y=[0.45, 0.20]),
                      'a1': dict(x=[50, 100], y=[0.30, 0.71])}
    with open(osp.join(pdir, 'done.json'), 'w') as f:
        json.dump(dict(checkpoint='x/iter_100.pth', seconds=12.5, stopped_early=100), f)
    spec = dict(datasets=dict(synthetic={}), pretrain=dict(depth=dict(config='c'),
                                                          flow=dict(config='f')))
    summary = pretraining_summary(work, spec)
    assert list(summary) == ['synthetic/depth']  # flow never ran
    depth = summary['synthetic/depth']
    assert depth['final'] == {'abs_rel': 0.20, 'a1': 0.71} and depth['final_iteration'] == 100
    assert depth['seconds'] == 12.5 and depth['stopped_early'] == 100
    assert format_pretraining(depth, [('abs_rel', 'abs rel'), ('a1', 'δ<1.25')]) == \
        'abs rel 0.200, δ<1.25 0.710 @100'
    assert format_pretraining(None, []) == '-'
    # an early-stopped stage hands on its best validation: the table shows that one's values
    with open(osp.join(pdir, 'done.json'), 'w') as f:
        json.dump(dict(checkpoint='x/best_abs_rel_iter_50.pth', stopped_early=100), f)
    depth = pretraining_summary(work, spec)['synthetic/depth']
    assert depth['final'] == {'abs_rel': 0.45, 'a1': 0.30} and depth['final_iteration'] == 50


def test_early_stop_config_and_plan(tmp_path):
    text = early_stop_config('/abs/cfg.py', dict(metric='abs_rel', patience=2),
                             [dict(type='Other')])
    ns = {}
    exec(text, ns)  # a plain Python config
    assert ns['_base_'] == ['/abs/cfg.py']
    assert ns['custom_hooks'] == [dict(type='Other'), dict(
        type='EarlyStoppingHook', monitor='abs_rel', rule='less', patience=2, min_delta=0.0,
        strict=True)]
    assert "rule': 'greater'" in early_stop_config('/c.py', dict(metric='a1'))
    root = make_root(tmp_path)
    plan = plan_grid(make_spec(tmp_path, EARLY), str(tmp_path / 'out'), TOOLS, root)
    stage = plan.stage('pretrain/synthetic/depth')
    wrapper = str(tmp_path / 'out' / 'pretrain' / 'synthetic' / 'depth' / 'early_stop_config.py')
    assert stage.argv[2] == wrapper and list(stage.files) == [wrapper]
    assert f"_base_ = [{osp.join(root, 'configs', 'depth_pretrain.py')!r}]" in stage.files[wrapper]
    assert 'default_hooks.checkpoint.interval=1' in stage.argv  # a checkpoint per validation
    assert 'default_hooks.checkpoint.save_best=abs_rel' in stage.argv
    assert 'default_hooks.checkpoint.rule=less' in stage.argv
    # the runner writes the wrapper, records where the hook stopped (iter_4 of 5) and hands
    # on the best validation's checkpoint (mmengine's save_best file)
    os.makedirs(osp.dirname(wrapper), exist_ok=True)
    best = osp.join(osp.dirname(wrapper), 'best_abs_rel_iter_2.pth')
    open(best, 'w').close()
    runner = FakeRunner(plan)
    assert runner.run_stage(stage) == 'done'
    assert osp.isfile(wrapper)
    done = json.load(open(stage.done_file))
    assert done['stopped_early'] == 4 and done['checkpoint'] == best
    assert done['last_checkpoint'].endswith('iter_4.pth')
    with pytest.raises(GridSpecError, match='early_stop needs'):
        make_spec(tmp_path, EARLY.replace('metric: abs_rel, ', ''))
    with pytest.raises(GridSpecError, match="unknown key pretrain.depth.early_stop.'pat'"):
        make_spec(tmp_path, EARLY.replace('patience', 'pat'))


HELD = SPEC.replace('  budgets: [16]\n', '  budgets: [16]\n  held_out: 4\n')


def test_held_out_validation_plan(tmp_path):
    plan = plan_grid(make_spec(tmp_path, HELD), str(tmp_path / 'out'), TOOLS,
                     make_root(tmp_path))
    split = plan.stage('split/synthetic/b16')
    names = str(tmp_path / 'out' / 'splits' / 'synthetic' / 'val_b16_h4.txt')
    assert split.argv == ['python', TOOLS.split, '--data-root', str(tmp_path / 'world'),
                          '--budget', '16', '--held-out', '4', '--out', names]
    cell = plan.cells[0]
    assert 'split/synthetic/b16' in cell.depends
    train = cell.train_argv
    # trains on 12 images: the later option wins over the budget's num_labelled=16
    assert train.index('train_dataloader.dataset.num_labelled=12') > \
        train.index('train_dataloader.dataset.num_labelled=16')
    for argv in (train, cell.test_argv):
        for opt in ('test_dataloader.dataset.split=train',
                    'test_dataloader.dataset.subset_mode=list',
                    f'test_dataloader.dataset.subset_file={names}',
                    f'val_dataloader.dataset.subset_file={names}'):
            assert opt in argv, opt
    assert 'train_dataloader.dataset.split=train' not in cell.test_argv
    with pytest.raises(GridSpecError, match='held_out'):
        make_spec(tmp_path, SPEC.replace('  budgets: [16]\n', '  budgets: [16]\n  held_out: 16\n'))


def test_make_split_lists_the_last_labelled_images(tmp_path):
    import make_split

    img = tmp_path / 'data_semantics' / 'training' / 'image_2'
    img.mkdir(parents=True)
    for i in range(20):
        (img / f'{i:06d}_10.png').write_bytes(b'')
    out = tmp_path / 'val.txt'
    assert make_split.main(['--data-root', str(tmp_path), '--budget', '16', '--held-out', '4',
                            '--out', str(out)]) == 0
    assert out.read_text().split() == ['000012', '000013', '000014', '000015']
    assert make_split.main(['--data-root', str(tmp_path), '--budget', '32', '--held-out', '4',
                            '--out', str(out)]) == 2


def test_lr_choice_and_lr_from(tmp_path):
    rows = lambda *means: [dict(dataset='synthetic', init=i, setup='full', budget=16,  # noqa
                                m_mean=m) for i, m in zip(('random', 'depth'), means)]
    choice = choose_lr({1e-3: rows(40.0, 30.0), 2e-3: rows(40.0, 35.0),
                        4e-3: rows(38.0, float('nan'))}, 'm')
    assert choice['chosen'] == {'synthetic/random-full/b16': 1e-3,  # tie: the smaller
                                'synthetic/depth-full/b16': 2e-3}
    assert choice['scores']['synthetic/depth-full/b16'] == {1e-3: 30.0, 2e-3: 35.0}
    assert choose_lr({1e-3: rows(1.0, 1.0), 2e-3: rows(0.5, 2.0)}, 'm', False)['chosen'] == \
        {'synthetic/random-full/b16': 2e-3, 'synthetic/depth-full/b16': 1e-3}
    lr_file = tmp_path / 'lr.json'
    lr_file.write_text(json.dumps(dict(option='optim_wrapper.optimizer.lr', chosen={
        'synthetic/depth-full/b16': 0.002, 'random-full': 0.001})))
    text = SPEC.replace('  budgets: [16]\n', f'  budgets: [16]\n  lr_from: {lr_file}\n')
    plan = plan_grid(make_spec(tmp_path, text), str(tmp_path / 'out'), TOOLS,
                     make_root(tmp_path))
    lrs = {c.key: [a for a in c.train_argv if a.startswith('optim_wrapper')]
           for c in plan.cells if c.seed == 0}
    assert lrs == {'synthetic/random-full/b16/seed0': ['optim_wrapper.optimizer.lr=0.001'],
                   'synthetic/depth-full/b16/seed0': ['optim_wrapper.optimizer.lr=0.002'],
                   'synthetic/depth-encoder/b16/seed0': []}  # not searched: config's lr
    missing = SPEC.replace('  budgets: [16]\n', '  budgets: [16]\n  lr_from: nope.json\n')
    with pytest.raises(GridSpecError, match='run the learning-rate search first'):
        plan_grid(make_spec(tmp_path, missing), str(tmp_path / 'o'), TOOLS, make_root(tmp_path))


def test_timings_are_recorded_per_pass(tmp_path):
    plan = plan_grid(make_spec(tmp_path), str(tmp_path / 'out'), TOOLS, make_root(tmp_path))
    FakeRunner(plan).run()
    FakeRunner(plan).run()  # everything skipped: a second, empty pass
    timings = json.load(open(osp.join(plan.work_dir, 'timings.json')))
    assert len(timings['passes']) == 2 and timings['passes'][1]['commands_run'] == 0
    assert 'pretrain/synthetic/depth' in timings['commands']
    assert 'synthetic/depth-full/b16/seed1 test' in timings['commands']
    assert timings['total_seconds'] == pytest.approx(
        sum(p['seconds'] for p in timings['passes']), abs=0.2)
    info = json.load(open(plan.cells[0].info_file))
    assert info['train_seconds'] is not None and info['test_seconds'] is not None


def test_lr_search_runs_each_value_and_reuses_the_pretraining(tmp_path, monkeypatch):
    import lr_search
    import run_grid

    calls = []

    def fake_run(spec, work_dir, overrides, qualitative=True, quiet=False, checkpoints=()):
        calls.append((work_dir, list(overrides), list(checkpoints)))
        lr = float(overrides[-1].split('=')[1])
        os.makedirs(work_dir, exist_ok=True)
        done = osp.join(work_dir, 'pretrain', 'synthetic', 'depth', 'done.json')
        os.makedirs(osp.dirname(done), exist_ok=True)
        with open(done, 'w') as f:
            json.dump(dict(checkpoint=osp.join(work_dir, 'iter_5.pth')), f)
        open(osp.join(work_dir, 'iter_5.pth'), 'w').close()
        rows = [dict(dataset='synthetic', init='random', setup='full', budget=16,
                     mIoU7_dataset_mean=50.0 - 1000 * abs(lr - 1e-3),
                     per_seed=dict(mIoU7_dataset={'0': 1.0})),
                dict(dataset='synthetic', init='depth', setup='full', budget=16,
                     mIoU7_dataset_mean=40.0 + 1000 * lr, per_seed={})]
        path = osp.join(work_dir, 'results.json')
        with open(path, 'w') as f:
            json.dump(dict(rows=rows), f)
        return dict(paths=dict(json=path), statuses={'a': 'done'}, seconds=1.0,
                    plan=run_grid.make_plan(spec, work_dir, overrides, checkpoints))

    monkeypatch.setattr(run_grid, 'run', fake_run)
    root = make_root(tmp_path)
    monkeypatch.setattr(lr_search, 'REPO', root)
    monkeypatch.setattr(run_grid, 'REPO', root)  # the plan's root: the tiny checkout
    monkeypatch.chdir(root)  # lr_search changes into its root; restored afterwards
    text = HELD + 'lr_search: {values: [0.0005, 0.001, 0.002]}\n'
    spec = tmp_path / 'spec.yaml'
    spec.write_text(text.replace('DATA', str(tmp_path / 'world')))
    out = tmp_path / 'choice.json'
    assert lr_search.main([str(spec), '--work-dir', str(tmp_path / 'w'), '--out',
                           str(out)]) == 0
    assert [c[0] for c in calls] == [str(tmp_path / 'w' / f'lr_{v}')
                                     for v in (0.0005, 0.001, 0.002)]
    assert calls[0][1] == ['finetune.options.optim_wrapper.optimizer.lr=0.0005']
    assert calls[0][2] == []  # the first value pre-trains, the others reuse it
    assert calls[1][2] == calls[2][2] == [
        f'pretrain/synthetic/depth={tmp_path / "w" / "lr_0.0005" / "iter_5.pth"}']
    choice = json.load(open(out))
    assert choice['chosen'] == {'synthetic/random-full/b16': 0.001,
                                'synthetic/depth-full/b16': 0.002}
    assert choice['option'] == 'optim_wrapper.optimizer.lr' and choice['held_out'] == 4
    assert choice['metric'] == 'mIoU7_dataset'
    assert lr_search.main([str(spec).replace('spec', 'nospec')]) == 2
