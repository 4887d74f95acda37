"""The grid plan: stages and cells with their commands, the converter mode from the
config's init_from, the entry points the caller gives."""
import os
import os.path as osp
import sys

import pytest

from mmdepthpretrain.experiments import GridSpecError, GridTools, convert_mode, plan_grid

from .grid_utils import SPEC, TOOLS, make_root, make_spec, write_config
from .grid_utils import FakeRunner as BaseFakeRunner

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_plan_commands(tmp_path):
    plan = plan_grid(make_spec(tmp_path), str(tmp_path / 'out'), TOOLS, make_root(tmp_path))
    assert [s.key for s in plan.stages] == [
        'pretrain/synthetic/depth', 'convert/synthetic/depth/encoder',
        'convert/synthetic/depth/full']
    assert len(plan.cells) == 3 * 2
    assert [c.key for c in plan.cells] == [
        'synthetic/random-full/b16/seed0', 'synthetic/random-full/b16/seed1',
        'synthetic/depth-full/b16/seed0', 'synthetic/depth-full/b16/seed1',
        'synthetic/depth-encoder/b16/seed0', 'synthetic/depth-encoder/b16/seed1']
    cell = next(c for c in plan.cells if c.init == 'depth' and c.setup == 'encoder')
    argv = cell.train_argv
    assert argv[:3] == ['python', 'tools/train.py', 'configs/seg-depth-encoder.py']
    init_file = str(tmp_path / 'out' / 'pretrain' / 'synthetic' / 'depth_encoder.pth')
    for opt in ('train_cfg.max_iters=4', 'train_cfg.val_interval=2',
                'param_scheduler.0.T_max=4', f'randomness.seed={cell.seed}',
                'train_dataloader.dataset.num_labelled=16', 'test_dataloader.num_workers=0',
                f'train_dataloader.dataset.data_root={tmp_path / "world"}',
                f'load_from={init_file}'):
        assert opt in argv, opt
    assert cell.test_argv[:4] == ['python', 'tools/test.py', 'configs/seg-depth-encoder.py',
                                  '{checkpoint}']
    assert cell.depends == ['convert/synthetic/depth/encoder']
    # the converter mode comes from the config's init_from.mode
    conv = plan.stage('convert/synthetic/depth/encoder')
    assert conv.argv == ['python', 'tools/model_converters/pretrain_to_seg.py', '{checkpoint}',
                         init_file, '--mode', 'encoder', '--overwrite']
    pre = plan.stage('pretrain/synthetic/depth')
    assert pre.argv[:5] == ['python', 'tools/train.py', 'configs/depth_pretrain.py',
                            '--work-dir', str(tmp_path / 'out' / 'pretrain' / 'synthetic' /
                                              'depth')]
    assert 'train_cfg.max_iters=5' in pre.argv and pre.checkpoint is None
    assert not any(a.startswith('load_from=') for a in
                   next(c for c in plan.cells if c.init == 'random').train_argv)
    assert plan.metrics[0] == ('mIoU7_dataset', 'mIoU7 (dataset)')


def test_commands_use_the_given_entry_points(tmp_path):
    """Nothing in the plan assumes a checkout's tools/: every command is the caller's."""
    tools = GridTools(python='/venv/python', train='/opt/x/train.py', test='/opt/x/test.py',
                      convert='/opt/x/convert.py', world='/opt/x/world.py')
    spec = make_spec(tmp_path, SPEC.replace(
        '  synthetic: {data_root: DATA}',
        '  synthetic: {data_root: DATA, generate: {layout: kitti, size: [32, 16], '
        'moving_objects: false, seed: 3}}'))
    root = make_root(tmp_path)
    plan = plan_grid(spec, str(tmp_path / 'out'), tools, root)
    world = plan.stage('world/synthetic')
    assert world.argv == ['/venv/python', '/opt/x/world.py', '--out', str(tmp_path / 'world'),
                          '--layout', 'kitti', '--size', '32x16', '--static', '--seed', '3']
    assert world.done_file == str(tmp_path / 'world' / 'world.json')
    argvs = [s.argv for s in plan.stages] + [c.train_argv for c in plan.cells] + \
        [c.test_argv for c in plan.cells]
    assert {tuple(a[:2]) for a in argvs} == {
        ('/venv/python', '/opt/x/world.py'), ('/venv/python', '/opt/x/train.py'),
        ('/venv/python', '/opt/x/convert.py'), ('/venv/python', '/opt/x/test.py')}
    assert not any('tools/' in a for argv in argvs for a in argv)
    assert all(c.depends[0] == 'world/synthetic' for c in plan.cells)
    assert plan.root == root


def test_convert_mode_from_init_from(tmp_path):
    root = make_root(tmp_path)
    # the config's init_from decides, not the setup's name ...
    write_config(root, 'seg-depth-full', 'encoder')
    plan = plan_grid(make_spec(tmp_path), str(tmp_path / 'out'), TOOLS, root)
    assert [s.key for s in plan.stages] == ['pretrain/synthetic/depth',
                                            'convert/synthetic/depth/encoder']
    # ... unless the spec's setup says convert:
    spec = make_spec(tmp_path, SPEC.replace('setups: [full, encoder]',
                                            'setups: [{name: full, convert: full}]'))
    plan = plan_grid(spec, str(tmp_path / 'out'), TOOLS, root)
    assert plan.stage('convert/synthetic/depth/full').argv[-3:] == ['--mode', 'full',
                                                                   '--overwrite']
    assert convert_mode(osp.join(root, 'configs', 'seg-depth-encoder.py'),
                        dict(name='x')) == 'encoder'
    # a config without init_from: one clear error naming the file and the fix
    write_config(root, 'seg-depth-encoder', None)
    with pytest.raises(GridSpecError, match=r'seg-depth-encoder.py: no init_from field.*'
                       r"setup 'encoder'.*init_from = dict\(converter='pretrain_to_seg'"):
        plan_grid(make_spec(tmp_path), str(tmp_path / 'out'), TOOLS, root)
    write_config(root, 'seg-depth-encoder', 'seg-encoder', converter='monodepth2_to_mmdp')
    with pytest.raises(GridSpecError, match="init_from.converter is 'monodepth2_to_mmdp'"):
        plan_grid(make_spec(tmp_path), str(tmp_path / 'out'), TOOLS, root)
    write_config(root, 'seg-depth-encoder', 'half')
    with pytest.raises(GridSpecError, match="init_from.mode is 'half'"):
        plan_grid(make_spec(tmp_path), str(tmp_path / 'out'), TOOLS, root)
    with open(osp.join(root, 'configs', 'seg-depth-encoder.py'), 'w') as f:
        f.write("init_from = 'pretrain_to_seg --mode full'\n")
    with pytest.raises(GridSpecError, match='init_from is a dict'):
        plan_grid(make_spec(tmp_path), str(tmp_path / 'out'), TOOLS, root)
    with open(osp.join(root, 'configs', 'seg-depth-encoder.py'), 'w') as f:
        f.write('init_from = dict(\n')
    with pytest.raises(GridSpecError, match='cannot read the config to find its init_from'):
        plan_grid(make_spec(tmp_path), str(tmp_path / 'out'), TOOLS, root)


def test_plan_errors(tmp_path):
    root = make_root(tmp_path)
    with pytest.raises(GridSpecError, match="unknown pre-training stage 'flow'"):
        plan_grid(make_spec(tmp_path, SPEC.replace('pretrain: depth', 'pretrain: flow')), 'x',
                  TOOLS, root)
    with pytest.raises(GridSpecError, match='config of random-nonsense not found'):
        plan_grid(make_spec(tmp_path, SPEC.replace('setups: [full]}', 'setups: [nonsense]}')),
                  'x', TOOLS, root)
    with pytest.raises(GridSpecError, match=r'pretrain.depth.checkpoint \(synthetic\): file '
                       'not found: nowhere.pth'):
        plan_grid(make_spec(tmp_path, checkpoints=['depth=nowhere.pth']), 'x', TOOLS, root)


def test_given_checkpoint_in_the_plan(tmp_path):
    root = make_root(tmp_path)
    (tmp_path / 'repo' / 'iter_3.pth').write_text('')
    plan = plan_grid(make_spec(tmp_path, checkpoints=['depth=iter_3.pth']), 'x', TOOLS, root)
    assert plan.stage('pretrain/synthetic/depth').checkpoint == osp.join(root, 'iter_3.pth')
    plan = plan_grid(make_spec(tmp_path, checkpoints=['pretrain/synthetic/depth=last']), 'x',
                     TOOLS, root)
    assert plan.stage('pretrain/synthetic/depth').checkpoint == 'last'


@pytest.mark.parametrize('name', ['demo_synthetic.yaml', 'demo_synthetic_quick.yaml',
                                  'kitti_r18_paper.yaml'])
def test_shipped_specs_plan(name, tmp_path):
    """Every shipped spec names existing configs (with init_from) and plans its cells."""
    sys.path.insert(0, osp.join(REPO, 'tools', 'experiments'))
    from run_grid import make_plan

    plan = make_plan(osp.join(REPO, 'configs', 'experiments', name), str(tmp_path))
    assert plan.cells and all(osp.isabs(c.work_dir) for c in plan.cells)
    assert plan.root == REPO
    assert plan.metrics == [('mIoU7_dataset', 'mIoU7 (dataset)'),
                            ('mIoU7_per_image', 'mIoU7 (per image)'), ('aAcc', 'aAcc')]
    assert all(c.train_argv[1] == 'tools/train.py' for c in plan.cells)
    if name.startswith('demo'):
        inits = {(c.init, c.setup) for c in plan.cells}
        quick = {('random', 'full'), ('depth', 'full'), ('flow', 'encoder')}
        # the full demo: the headline (M, L, flow against random), whole network and frozen
        assert inits == quick if 'quick' in name else inits == quick | {
            ('random', 'frozen'), ('depth', 'frozen'), ('depth_l', 'full'),
            ('depth_l', 'frozen'), ('flow', 'frozen')}
        assert all(c.budget == 16 for c in plan.cells)
        seeds = {c.seed for c in plan.cells}
        assert len(seeds) >= (1 if 'quick' in name else 3)
        keys = [s.key for s in plan.stages]
        assert keys[:3] == ['world/synthetic', 'pretrain/synthetic/depth',
                            'convert/synthetic/depth/full']
        assert 'pretrain/synthetic/flow' in keys and 'convert/synthetic/flow/encoder' in keys
        if 'quick' in name:
            assert keys == ['world/synthetic', 'pretrain/synthetic/depth',
                            'convert/synthetic/depth/full', 'pretrain/synthetic/flow',
                            'convert/synthetic/flow/encoder']


def test_null_budgets_give_no_label_option(tmp_path):
    """budgets: null (ADE20K, VOC, Cityscapes: mmseg datasets without num_labelled): one
    cell per init-setup and seed under b0, and no num_labelled option in any command."""
    spec = make_spec(tmp_path, SPEC.replace('budgets: [16]', 'budgets: null'))
    plan = plan_grid(spec, str(tmp_path / 'out'), TOOLS, make_root(tmp_path))
    assert [c.key for c in plan.cells][:2] == ['synthetic/random-full/b0/seed0',
                                               'synthetic/random-full/b0/seed1']
    assert len(plan.cells) == 3 * 2 and {c.budget for c in plan.cells} == {0}
    for cell in plan.cells:
        assert not any('num_labelled' in a for a in cell.train_argv + cell.test_argv)
    with_budget = plan_grid(make_spec(tmp_path), str(tmp_path / 'out'), TOOLS,
                            make_root(tmp_path))
    assert all('train_dataloader.dataset.num_labelled=16' in c.train_argv
               for c in with_budget.cells)
    bad = SPEC.replace('budgets: [16]', 'budgets: null\n  held_out: 4')
    with pytest.raises(GridSpecError, match='held_out needs label budgets'):
        make_spec(tmp_path, bad)


def test_a_made_stage_and_the_vit_converter(tmp_path):
    """A stage whose checkpoint a script writes (``make``), converted with the converter of
    the cells' init_from (vit_to_mmdp, modes seg-full / backbone)."""
    root = make_root(tmp_path)
    write_config(root, 'seg-depth-full', 'seg-full', converter='vit_to_mmdp')
    write_config(root, 'seg-depth-encoder', 'backbone', converter='vit_to_mmdp')
    text = SPEC.replace("    config: configs/depth_pretrain.py\n    iters: 5\n",
                        "    make: [tools/misc/make_random_vit_checkpoint.py, --arch, vits]\n")
    out = tmp_path / 'out'
    plan = plan_grid(make_spec(tmp_path, text), str(out), TOOLS, root)
    stage = plan.stage('pretrain/synthetic/depth')
    made = str(out / 'pretrain' / 'synthetic' / 'depth' / 'depth.pth')
    assert stage.argv == ['python', 'tools/misc/make_random_vit_checkpoint.py', '--arch',
                          'vits', '--out', made]
    assert stage.outputs['checkpoint'] == made and stage.depends == []
    conv = plan.stage('convert/synthetic/depth/seg-full')
    assert conv.argv[:2] == ['python', 'tools/model_converters/vit_to_mmdp.py']
    assert conv.argv[-3:] == ['--mode', 'seg-full', '--overwrite']
    assert plan.stage('convert/synthetic/depth/backbone').argv[-3] == '--mode'
    cell = next(c for c in plan.cells if c.setup == 'encoder')
    assert f'load_from={out / "pretrain" / "synthetic" / "depth_backbone.pth"}' in \
        cell.train_argv
    # the runner finishes the stage with the file the script wrote, and converts it
    runner = FakeRunner(plan)
    runner.made = made
    statuses = runner.run()
    assert set(statuses.values()) == {'done'}
    assert runner.converted == {made}
    with pytest.raises(GridSpecError, match="has both 'config'"):
        make_spec(tmp_path, SPEC.replace("    iters: 5\n", "    iters: 5\n    make: [x.py]\n"))
    with pytest.raises(GridSpecError, match="needs 'config'"):
        make_spec(tmp_path, SPEC.replace("    config: configs/depth_pretrain.py\n", ''))
    # a file the user has needs neither a config nor a script
    (tmp_path / 'repo' / 'depth_anything_v2_vits.pth').write_text('')
    given = SPEC.replace("    config: configs/depth_pretrain.py\n",
                         "    checkpoint: depth_anything_v2_vits.pth\n")
    plan = plan_grid(make_spec(tmp_path, given), str(out), TOOLS, root)
    assert plan.stage('pretrain/synthetic/depth').checkpoint.endswith('vits.pth')
    # a setup's convert: must be a mode of the config's converter
    bad = text.replace('setups: [full, encoder]', 'setups: [{name: full, convert: full}]')
    with pytest.raises(GridSpecError, match=r"convert: 'full', not one of seg-full, backbone"):
        plan_grid(make_spec(tmp_path, bad), str(out), TOOLS, root)


class FakeRunner(BaseFakeRunner):
    """The grid_utils runner, plus the two tools of a ViT grid."""

    made = None
    converted = set()

    def _spawn(self, argv, log_file):
        os.makedirs(osp.dirname(log_file), exist_ok=True)
        if argv[1] == 'tools/misc/make_random_vit_checkpoint.py':
            with open(argv[argv.index('--out') + 1], 'w') as f:
                f.write('random')
            self.spawned.append(argv)
            return 0
        if argv[1] == 'tools/model_converters/vit_to_mmdp.py':
            self.converted = self.converted | {argv[2]}
            with open(argv[3], 'w') as f:
                f.write(argv[2])
            self.spawned.append(argv)
            return 0
        return super()._spawn(argv, log_file)
