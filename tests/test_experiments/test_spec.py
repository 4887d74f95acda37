"""The grid spec: structure checks, --set overrides (dotted option keys), given checkpoints,
the report's metrics."""
import pytest

from mmdepthpretrain.experiments import (
    GridSpecError,
    apply_overrides,
    plan_grid,
    report_metrics,
    use_checkpoints,
)

from .grid_utils import SPEC, TOOLS, make_root, make_spec


def test_spec_errors(tmp_path):
    with pytest.raises(GridSpecError, match='missing top-level key'):
        make_spec(tmp_path, 'name: x\n')
    with pytest.raises(GridSpecError, match='not valid YAML'):
        make_spec(tmp_path, 'name: [x\n')
    with pytest.raises(GridSpecError, match=r"unknown key finetune\.'seed'"):
        make_spec(tmp_path, SPEC.replace('  seeds: [0, 1]', '  seed: [0, 1]'))
    with pytest.raises(GridSpecError, match='finetune.budgets is a non-empty list of integers'):
        make_spec(tmp_path, SPEC.replace('budgets: [16]', 'budgets: 16'))
    with pytest.raises(GridSpecError, match='convert is one of full, encoder'):
        make_spec(tmp_path, SPEC.replace('setups: [full, encoder]',
                                         'setups: [{name: full, convert: half}]'))
    with pytest.raises(GridSpecError, match='finetune.datasets names unknown dataset'):
        make_spec(tmp_path, SPEC.replace('  budgets:', '  datasets: [kitti]\n  budgets:'))
    with pytest.raises(GridSpecError, match='spec.yaml: report.metrics is a mapping'):
        make_spec(tmp_path, SPEC.split('report:')[0] + 'report: {metrics: 3}\n')


def test_set_addresses_dotted_option_keys(tmp_path):
    spec = make_spec(tmp_path, overrides=[
        'pretrain.depth.options.param_scheduler.0.milestones=[15]',
        'finetune.options.param_scheduler.0.T_max=7', 'finetune.iters=9',
        'loader_options.sampler.shuffle=false', 'env.OMP_NUM_THREADS=3',
        'test.options.test_evaluator.iou_metrics=[mIoU]'])
    # the options key is the rest of the path, dots included; nothing nested is made
    assert spec['pretrain']['depth']['options'] == {'param_scheduler.0.milestones': [15]}
    assert spec['finetune']['options'] == {'param_scheduler.0.T_max': 7}
    assert spec['finetune']['iters'] == 9
    assert spec['loader_options']['sampler.shuffle'] is False
    assert spec['env']['OMP_NUM_THREADS'] == 3
    assert spec['test']['options'] == {'test_evaluator.iou_metrics': ['mIoU']}
    plan = plan_grid(spec, str(tmp_path / 'out'), TOOLS, make_root(tmp_path))
    pre = plan.stage('pretrain/synthetic/depth').argv
    assert 'param_scheduler.0.milestones=[15]' in pre
    assert not any(a.startswith('param_scheduler=') for a in pre)
    cell = plan.cells[0]
    assert 'param_scheduler.0.T_max=7' in cell.train_argv
    assert 'train_cfg.max_iters=9' in cell.train_argv
    assert 'train_dataloader.sampler.shuffle=False' in cell.train_argv
    assert 'test_evaluator.iou_metrics=[mIoU]' in cell.test_argv
    assert plan.env == {'OMP_NUM_THREADS': '3'}


def test_set_errors():
    spec = dict(finetune=dict(config='c.py'))
    with pytest.raises(GridSpecError, match='expects KEY=VALUE'):
        apply_overrides(spec, ['finetune.iters'])
    with pytest.raises(GridSpecError, match='finetune.config is not a mapping'):
        apply_overrides(spec, ['finetune.config.x=1'])
    with pytest.raises(GridSpecError, match='empty key part'):
        apply_overrides(spec, ['finetune..iters=1'])
    # a whole options mapping can still be replaced
    apply_overrides(spec, ['finetune.options={a.b: 1}'])
    assert spec['finetune']['options'] == {'a.b': 1}


def test_use_checkpoint_sets_the_spec(tmp_path):
    spec = make_spec(tmp_path)
    use_checkpoints(spec, ['depth=a.pth'])
    assert spec['pretrain']['depth']['checkpoint'] == 'a.pth'
    use_checkpoints(spec, ['pretrain/synthetic/depth=last'])
    assert spec['pretrain']['depth']['checkpoint'] == {'synthetic': 'last'}
    with pytest.raises(GridSpecError, match="no pre-training stage 'flow' .known: depth"):
        use_checkpoints(spec, ['flow=a.pth'])
    with pytest.raises(GridSpecError, match='expects STAGE=PATH'):
        use_checkpoints(spec, ['depth'])
    with pytest.raises(GridSpecError, match="unknown dataset 'kitti'"):
        use_checkpoints(spec, ['pretrain/kitti/depth=a.pth'])


def test_report_metrics_come_from_the_spec(tmp_path):
    assert report_metrics(make_spec(tmp_path)) == [
        ('mIoU7_dataset', 'mIoU7 (dataset)'), ('mIoU7_per_image', 'mIoU7 (per image)'),
        ('aAcc', 'aAcc')]
    spec = make_spec(tmp_path, SPEC.split('report:')[0] + 'report: {metrics: [mIoU, mAcc]}\n')
    assert report_metrics(spec) == [('mIoU', 'mIoU'), ('mAcc', 'mAcc')]
    assert report_metrics(dict(report=dict(title='x'))) == []
    with pytest.raises(GridSpecError, match='report.metrics is empty'):
        report_metrics(dict(report=dict(metrics=[])))
