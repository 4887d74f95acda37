"""The committed synthetic grid specs plan: the ablations, the learning-rate search, the
GPU-scale spec, and the demo with paired seeds, early stopping and held-out validation."""
import os.path as osp
import sys

import pytest

from mmdepthpretrain.experiments import load_spec, plan_grid

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools', 'experiments'))

SPECS = {  # spec -> (pre-training stages, init-setups, budgets, seeds)
    'demo_synthetic.yaml': (['depth', 'depth_l', 'flow'], 8, [16], 3),
    'lr_search_synthetic.yaml': (['depth', 'depth_l', 'flow'], 8, [16], 1),
    'ablation_supervision_synthetic.yaml': (['depth', 'depth_s', 'depth_l'], 4, [16], 3),
    'ablation_setups_synthetic.yaml': (['depth', 'flow', 'recon'], 9, [16], 3),
    'ablation_budgets_synthetic.yaml': (['depth'], 4, [16, 32, 64, 128], 3),
    'ablation_depth_crop_synthetic.yaml': (['depth_l', 'depth_crop'], 6, [16], 3),
    'synthetic_gpu.yaml': (['depth', 'depth_s', 'depth_l', 'depth_crop', 'flow', 'recon'],
                           14, [16], 5),
}


@pytest.mark.parametrize('name', sorted(SPECS))
def test_spec_plans(name, tmp_path):
    from run_grid import checkout_tools

    stages, setups, budgets, seeds = SPECS[name]
    spec = load_spec(osp.join(REPO, 'configs', 'experiments', name))
    plan = plan_grid(spec, str(tmp_path), checkout_tools('python'), REPO)
    pre = [s for s in plan.stages if s.kind == 'pretrain']
    assert sorted(s.key.split('/')[-1] for s in pre) == sorted(stages)
    for stage in pre:  # every pre-training validates and stops on a plateau
        assert stage.argv[2].endswith('early_stop_config.py') and stage.files
        assert 'EarlyStoppingHook' in next(iter(stage.files.values()))
        assert any(a.startswith('train_cfg.val_interval=') for a in stage.argv)
    names = {(c.init, c.setup) for c in plan.cells}
    assert len(names) == setups
    assert sorted({c.budget for c in plan.cells}) == budgets
    by_init = {}
    for cell in plan.cells:  # the same seeds for every initialisation: paired
        by_init.setdefault((cell.init, cell.setup, cell.budget), set()).add(cell.seed)
    assert {frozenset(s) for s in by_init.values()} == {frozenset(range(seeds))}
    assert ('random', 'full') in names
    assert spec['report'].get('reference', 'random') == 'random'


def test_lr_search_holds_images_out_and_demo_is_decisive(tmp_path):
    from run_grid import checkout_tools

    spec = load_spec(osp.join(REPO, 'configs', 'experiments', 'lr_search_synthetic.yaml'))
    assert spec['finetune']['held_out'] == 4 and len(spec['lr_search']['values']) >= 3
    plan = plan_grid(spec, str(tmp_path), checkout_tools('python'), REPO)
    cell = plan.cells[0]
    assert 'test_dataloader.dataset.split=train' in cell.test_argv  # never the test split
    assert 'train_dataloader.dataset.num_labelled=12' in cell.train_argv
    demo = load_spec(osp.join(REPO, 'configs', 'experiments', 'demo_synthetic.yaml'))
    inits = demo['finetune']['inits']
    # the headline: random / depth-M / depth-L / flow, whole network and frozen, 16 labels
    assert {'random', 'depth', 'depth_l', 'flow'} <= set(inits)
    assert 'frozen' in inits['depth']['setups'] and 'frozen' in inits['random']['setups']
    assert len(demo['finetune']['seeds']) >= 3


@pytest.mark.parametrize('name', ['tab6_ade20k.yaml', 'tab6_voc.yaml', 'tab6_cityscapes.yaml'])
def test_tab6_specs_plan(name, tmp_path):
    """Tab. 6: {Depth Anything, DINOv2} x {fine-tune, linear} on every labelled image (no
    label-budget option, which mmseg's ADE20K / VOC / Cityscapes datasets do not take)."""
    from run_grid import checkout_tools

    spec = load_spec(osp.join(REPO, 'configs', 'experiments', name))
    assert spec['finetune']['budgets'] is None and spec['report']['reference'] == 'dinov2'
    plan = plan_grid(spec, str(tmp_path), checkout_tools('python'), REPO)
    assert plan.stages == []  # the configs load their converted backbones (init_cfg)
    assert {(c.init, c.setup) for c in plan.cells} == {
        (i, s) for i in ('da', 'dinov2') for s in ('finetune', 'linear')}
    for cell in plan.cells:
        assert cell.budget == 0 and cell.key.endswith('/b0/seed0')
        assert not any('num_labelled' in a for a in cell.train_argv + cell.test_argv)
        head = 'linear' if cell.setup == 'linear' else 'upernet'
        assert osp.basename(cell.config).startswith(f'{head}_vit-l-{cell.init}_')
        roots = [a for a in cell.train_argv if '.data_root=' in a]
        assert bool(roots) == (name != 'tab6_voc.yaml')  # VOC aug: a ConcatDataset


def test_synthetic_vit_spec_plans(tmp_path):
    from run_grid import checkout_tools

    spec = load_spec(osp.join(REPO, 'configs', 'experiments', 'synthetic_vit.yaml'))
    plan = plan_grid(spec, str(tmp_path), checkout_tools('python'), REPO)
    assert [s.key for s in plan.stages] == [
        'world/synthetic', 'pretrain/synthetic/da_v2_s', 'convert/synthetic/da_v2_s/backbone',
        'convert/synthetic/da_v2_s/seg-full']
    made = plan.stage('pretrain/synthetic/da_v2_s')
    assert made.argv[1] == 'tools/misc/make_random_vit_checkpoint.py' and not made.depends
    for mode in ('backbone', 'seg-full'):
        conv = plan.stage(f'convert/synthetic/da_v2_s/{mode}')
        assert conv.argv[1] == 'tools/model_converters/vit_to_mmdp.py'
    assert [(c.init, c.setup) for c in plan.cells] == [
        ('random', 'full'), ('da', 'full'), ('da', 'linear')]
    assert all(c.budget == 16 for c in plan.cells)
