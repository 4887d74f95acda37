"""COCO-format datasets in a grid: the conversion stage per split after the world, cells
that depend on it, no label-budget options (``budgets: null``), evaluators reading the
JSON under the data root; the runner skips written files; the Tab. 7 and synthetic
detection specs plan with the files their configs read."""
import json
import os
import os.path as osp
import sys

import pytest

from mmdepthpretrain.experiments import GridSpecError, plan_grid
from mmdepthpretrain.experiments.report import collect_results, write_tables

from .grid_utils import TOOLS, FakeRunner, make_spec, write_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

DET_SPEC = """
name: d
loader_options: {num_workers: 0}
datasets:
  det:
    data_root: DATA
    generate: {layout: cityscapes, sequences: 3, frames: 4, size: [64, 32], seed: 0}
    coco: {layout: cityscapes, splits: [train, val]}
finetune:
  config: configs/det.py
  iters: 2
  inits:
    random: {setups: [full]}
  budgets: null
  seeds: [0, 1]
report:
  metrics: {coco/bbox_mAP: box mAP, coco/segm_mAP: mask mAP}
  decimals: 3
"""


def _root(tmp_path):
    root = tmp_path / 'repo'
    write_config(root, 'det')
    return str(root)


def _plan(tmp_path, text=DET_SPEC, overrides=()):
    return plan_grid(make_spec(tmp_path, text, overrides), str(tmp_path / 'out'), TOOLS,
                     _root(tmp_path))


def test_coco_stages_follow_the_world_and_cells_depend_on_them(tmp_path):
    plan = _plan(tmp_path)
    data = str(tmp_path / 'world')
    assert [s.key for s in plan.stages] == ['world/det', 'coco/det/train', 'coco/det/val']
    for split in ('train', 'val'):
        stage = plan.stage(f'coco/det/{split}')
        out = osp.join(data, 'annotations', f'instances_{split}.json')
        assert stage.kind == 'coco'
        assert stage.argv == ['python', 'tools/dataset_converters/instances_to_coco.py', data,
                              out, '--layout', 'cityscapes', '--split', split]
        assert stage.done_file == out  # present: skipped (the converter writes atomically)
        assert stage.depends == ['world/det']
    assert [c.key for c in plan.cells] == ['det/random-full/b0/seed0',
                                           'det/random-full/b0/seed1']
    val = osp.join(data, 'annotations', 'instances_val.json')
    for cell in plan.cells:
        assert cell.depends == ['world/det', 'coco/det/train', 'coco/det/val']
        # no label budget: the COCO dataset gets no num_labelled option
        assert not any('num_labelled' in a for a in cell.train_argv + cell.test_argv)
        assert f'val_evaluator.ann_file={val}' in cell.train_argv
        assert f'test_evaluator.ann_file={val}' in cell.test_argv
        assert f'train_dataloader.dataset.data_root={data}' in cell.train_argv
        assert f'test_dataloader.dataset.data_root={data}' in cell.test_argv
    # the evaluators follow a changed data root (mmdet's CocoMetric does not join paths)
    other = str(tmp_path / 'elsewhere')
    plan = _plan(tmp_path, overrides=[f'datasets.det.data_root={other}'])
    assert f'test_evaluator.ann_file={other}/annotations/instances_val.json' in \
        plan.cells[0].test_argv
    assert plan.stage('coco/det/train').argv[2] == other


def test_coco_without_layout_converts_nothing_and_min_area(tmp_path):
    text = DET_SPEC.replace(
        '    coco: {layout: cityscapes, splits: [train, val]}',
        "    coco: {splits: [train2017, val2017], file: 'ann/{split}.json'}")
    text = text.replace('    generate: {layout: cityscapes, sequences: 3, frames: 4, '
                        'size: [64, 32], seed: 0}\n', '')
    plan = _plan(tmp_path, text)
    assert plan.stages == []
    cell = plan.cells[0]
    assert cell.depends == []
    # evaluate defaults to the last split when there is no 'val'
    assert f'val_evaluator.ann_file={tmp_path / "world"}/ann/val2017.json' in cell.train_argv
    plan = _plan(tmp_path, overrides=['datasets.det.coco.min_area=4',
                                      'datasets.det.coco.evaluate=train'])
    assert plan.stage('coco/det/val').argv[-2:] == ['--min-area', '4']
    assert any(a.endswith('instances_train.json') and a.startswith('test_evaluator.ann_file=')
               for a in plan.cells[0].test_argv)


def test_budgets_null_without_coco_gives_budget_zero(tmp_path):
    text = DET_SPEC.replace('    coco: {layout: cityscapes, splits: [train, val]}\n', '')
    plan = _plan(tmp_path, text)
    assert [c.budget for c in plan.cells] == [0, 0]
    assert not any('num_labelled' in a for a in plan.cells[0].train_argv)
    assert not any('evaluator' in a for a in plan.cells[0].train_argv)
    plan = _plan(tmp_path, text, ['finetune.budgets=[8]'])
    assert 'train_dataloader.dataset.num_labelled=8' in plan.cells[0].train_argv


@pytest.mark.parametrize('override,message', [
    ('finetune.budgets=[16]', r'datasets det are COCO-format \(coco:\) and take no label '
                              r'budget: set finetune.budgets: null'),
    ('datasets.det.coco.layout=ade', r'datasets.det.coco.layout is one of cityscapes, kitti'),
    ("datasets.det.coco.file=ann.json", r"datasets.det.coco.file is a path relative to the "
                                        r"data root with \{split\}"),
    ("datasets.det.coco.file='a/{name}_{split}.json'", r"datasets.det.coco.file is a path "),
    ('datasets.det.coco.evaluate=test', r"datasets.det.coco.evaluate names one of its splits "
                                        r"\(train, val\), got 'test'"),
    ('datasets.det.coco.splits=[train, train]', r'splits is a list of distinct split names'),
    ('datasets.det.coco.min_area=0', r'min_area is a number of pixels >= 1'),
    ('datasets.det.coco.split=val', r"unknown key datasets.det.coco.'split'"),
    ('datasets.det.data_root=null', r'datasets.det.coco needs datasets.det.data_root'),
    ('finetune.held_out=2', r'finetune.held_out needs label budgets'),
    ('report.decimals=9', r'report.decimals is the number of decimals'),
])
def test_coco_spec_errors(tmp_path, override, message):
    with pytest.raises(GridSpecError, match=message):
        _plan(tmp_path, overrides=[override])


class CocoFakeRunner(FakeRunner):
    """The fake tools plus the COCO converter (writes its output file) and COCO metrics."""

    def _spawn(self, argv, log_file):
        if argv[1] == TOOLS.coco:
            self.spawned.append(argv)
            os.makedirs(osp.dirname(log_file), exist_ok=True)
            open(log_file, 'w').write('converting\n')
            if any(name in log_file for name in self.fail):
                return 2
            os.makedirs(osp.dirname(argv[3]), exist_ok=True)
            open(argv[3], 'w').write('{}')
            return 0
        if argv[1] == TOOLS.world:
            self.spawned.append(argv)
            os.makedirs(argv[3], exist_ok=True)
            open(osp.join(argv[3], 'world.json'), 'w').write('{"complete": true}')
            return 0
        rc = super()._spawn(argv, log_file)
        if argv[1] == TOOLS.test and rc == 0:
            out = argv[argv.index('--out') + 1]
            seed = int(out.split('seed')[-1].split(os.sep)[0])
            json.dump({'coco/bbox_mAP': 0.25 + 0.25 * seed, 'coco/segm_mAP': 0.5}, open(out, 'w'))
        return rc


def test_runner_converts_once_and_the_table_says_all_labels(tmp_path):
    plan = _plan(tmp_path)
    runner = CocoFakeRunner(plan)
    assert set(runner.run().values()) == {'done'}
    tools = [a[1] for a in runner.spawned]
    assert tools[:3] == [TOOLS.world, TOOLS.coco, TOOLS.coco]  # before any training
    ann = tmp_path / 'world' / 'annotations'
    assert sorted(os.listdir(ann)) == ['instances_train.json', 'instances_val.json']
    assert any('fine-tune random-full all labels seed 0 (det) ... done' in ln
               for ln in runner.lines)
    records = collect_results(plan.cells, plan.work_dir)
    paths = write_tables(plan.work_dir, records, metrics=plan.metrics, decimals=3)
    md = open(paths['md']).read()
    # COCO values in [0, 1] with 3 decimals; budget 0 is 'all' labelled images
    assert '| random | full | all | 0.375 ± 0.177 (0.25-0.50) | 0.500 ± 0.000 (0.50-0.50) |' \
        in md
    # a second pass: the files are there, nothing converts again
    again = CocoFakeRunner(plan)
    again.run()
    assert again.spawned == []
    assert sum('COCO instances det' in ln and 'already done (skipped)' in ln
               for ln in again.lines) == 2


def test_a_failed_conversion_stops_the_cells_of_its_dataset(tmp_path):
    plan = _plan(tmp_path)
    runner = CocoFakeRunner(plan, fail=('coco_det_val',))
    statuses = runner.run()
    assert set(statuses.values()) == {'failed'}
    assert not any(a[1] == TOOLS.train for a in runner.spawned)
    fail = json.load(open(plan.cells[0].failed_file))
    assert fail['stage'] == 'coco/det/val' and fail['log'].endswith('coco_det_val.log')


# -------------------------------------------------------------- the shipped detection specs
DET_SPECS = {  # spec -> (dataset, COCO stages, the val JSON relative to the checkout)
    'tab7_coco.yaml': ('coco', [], 'data/coco/annotations/instances_val2017.json'),
    'tab7_ade20k.yaml': ('ade20k', [], 'data/ADEChallengeData2016/ade20k_instance_val.json'),
    'tab7_cityscapes.yaml': (
        'cityscapes', ['coco/cityscapes/train', 'coco/cityscapes/val'],
        'data/cityscapes/annotations/instancesonly_filtered_gtFine_val.json'),
    'synthetic_det.yaml': ('synthetic_det', ['coco/synthetic_det/train',
                                             'coco/synthetic_det/val'],
                           'data/synthetic_det/annotations/instances_val.json'),
}


def _same(a, b):
    return osp.normpath(a) == osp.normpath(b)


@pytest.mark.parametrize('name', sorted(DET_SPECS))
def test_detection_specs_plan_with_the_files_their_configs_read(name, tmp_path):
    from mmengine.config import Config
    sys.path.insert(0, osp.join(REPO, 'tools', 'experiments'))
    from run_grid import make_plan

    dataset, coco_keys, val_json = DET_SPECS[name]
    plan = make_plan(osp.join(REPO, 'configs', 'experiments', name), str(tmp_path))
    assert [s.key for s in plan.stages if s.kind == 'coco'] == coco_keys
    for key in coco_keys:
        stage = plan.stage(key)
        assert stage.argv[1] == 'tools/dataset_converters/instances_to_coco.py'
        assert stage.depends == (['world/synthetic_det'] if 'synthetic' in name else [])
    assert [k for k, _ in plan.metrics] == [f'coco/{t}_{m}' for t in ('bbox', 'segm')
                                            for m in ('mAP', 'mAP_50', 'mAP_75')]
    assert plan.spec['report']['decimals'] == 3
    inits = {c.init for c in plan.cells}
    assert inits == ({'random'} if 'synthetic' in name else {'da', 'dinov2'})
    for cell in plan.cells:
        assert cell.dataset == dataset and cell.budget == 0
        assert cell.depends == (['world/synthetic_det'] if 'synthetic' in name else []) + \
            coco_keys
        assert not any('num_labelled' in a for a in cell.train_argv + cell.test_argv)
        ann = [a.split('=', 1)[1] for a in cell.test_argv
               if a.startswith('test_evaluator.ann_file=')]
        assert len(ann) == 1 and _same(ann[0], val_json)
        assert any(a.startswith('val_evaluator.ann_file=') and _same(a.split('=', 1)[1],
                                                                    val_json)
                   for a in cell.train_argv)
        # what the config itself reads: the loaders' files under the data root, and the
        # evaluator's file, are the spec's
        cfg = Config.fromfile(osp.join(REPO, cell.config), import_custom_modules=False)
        root = plan.spec['datasets'][dataset]['data_root']
        files = plan.spec['datasets'][dataset]['coco']
        splits = files.get('splits')
        for loader, split in (('train_dataloader', splits[0]), ('val_dataloader', splits[-1]),
                              ('test_dataloader', splits[-1])):
            ds = cfg[loader].dataset
            assert _same(ds.data_root, root), loader
            assert _same(osp.join(root, ds.ann_file), osp.join(
                root, files.get('file', 'annotations/instances_{split}.json').format(
                    split=split))), loader
        for key in ('val_evaluator', 'test_evaluator'):
            assert _same(cfg[key].ann_file, val_json), key
