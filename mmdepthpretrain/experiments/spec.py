"""The grid spec: read the YAML, apply command-line overrides, check its structure.

A grid spec (YAML) names pre-training stages and fine-tuning cells::

    name: demo
    env: {OMP_NUM_THREADS: '2'}              # environment of every command
    loader_options: {num_workers: 0, persistent_workers: false}
    datasets:
      synthetic:
        data_root: data/synthetic            # fine-tuning (and pre-training) data
        # pretrain_root: data/kitti_raw      # pre-training data when it lives elsewhere
        generate: {layout: kitti, sequences: 4, frames: 40, size: [320, 96],
                   semantic_images: 64, seed: 0}      # optional: made when absent
      # coco: {layout: cityscapes, splits: [train, val]}  # a COCO-format (detection)
      #                                      # dataset; see "COCO-format datasets" below
    pretrain:
      depth:
        config: configs/synthetic/monodepth2-m_r18_1xb4-400_synthetic-320x96.py
        iters: 100                           # max_iters, checkpoint and val interval
        options: {param_scheduler.0.milestones: '[{iters}]'}
        # checkpoint: PATH                   # stage finished with this checkpoint (not
        #                                    # trained); 'last': its newest checkpoint;
        #                                    # or a mapping dataset -> PATH
      # a stage may instead run a script that writes its checkpoint (no training):
      # source: {make: [tools/misc/make_random_vit_checkpoint.py, --arch, vits]}
      #                                      # (run with --out <stage dir>/<name>.pth)
    finetune:
      config: configs/synthetic/depthseg_r18-{init}-{setup}_1xb4-300_synthetic-320x96.py
      iters: 150
      val_interval: 50
      options: {param_scheduler.0.T_max: '{iters}', param_scheduler.0.end: '{iters}'}
      inits:
        random: {setups: [full]}
        depth: {pretrain: depth, setups: [full, encoder, frozen]}
        # a setup may also be {name: cross, config: PATH, convert: encoder};
        # an init without pretrain may give load_from: PATH (a file the user has)
      budgets: [16]                          # null: no num_labelled option (every
      #                                      # labelled image; cells under b0)
      seeds: [0, 1, 2]
      datasets: [synthetic]                  # default: every dataset
    test: {options: {}}
    report:
      metrics: {mIoU7_dataset: mIoU7 (dataset), aAcc: aAcc}   # metrics.json key: title
      decimals: 2                            # of the table's values (3 for COCO's [0, 1])
      qualitative_images: 3
      caption: '...'

The converter of a cell initialised from a pre-training stage is its config's
``init_from.converter`` (``pretrain_to_seg`` for our pre-training checkpoints,
``vit_to_mmdp`` for ViT source files), its mode the setup's ``convert:`` when given, else
the config's ``init_from.mode``.

``budgets: null`` adds no label-budget option (``num_labelled``) to the commands: the
cells train on every labelled image of the config's dataset and have budget 0 (folder
``b0``, "all" in the table).

COCO-format datasets (detection): ``datasets.<name>.coco`` says where the dataset's COCO
instance JSON files are, relative to its ``data_root``, and how they are made::

    coco:
      layout: cityscapes        # convert instance maps (cityscapes or kitti) with
                                # tools/dataset_converters/instances_to_coco.py; omit
                                # when the JSON ships with the dataset (COCO, ADE20K)
      splits: [train, val]      # default [train, val]
      file: annotations/instances_{split}.json    # the default
      evaluate: val             # the split the val/test evaluators read (default: val
                                # when listed, else the last split)
      min_area: 1               # smallest instance kept, in pixels (converter default)

With ``layout``, the plan has one conversion stage per split (``coco/<name>/<split>``,
after the world generation when the dataset has one), which writes the file atomically
and is skipped when the file exists; the dataset's cells depend on them. For every COCO
dataset the cells' ``val_evaluator.ann_file`` (training) and ``test_evaluator.ann_file``
(test) are ``<data_root>/<file of evaluate>`` (mmdet's ``CocoMetric`` does not join its
path with the data root; the loaders' ``ann_file`` in the config does, and must name the
same ``file``). A grid over a COCO dataset needs ``finetune.budgets: null``.
"""
from __future__ import annotations

import os.path as osp
from typing import Iterable, List, Tuple

__all__ = [
    'GridSpecError', 'FLAT_MAPPINGS', 'CONVERTER_MODES', 'CONVERT_MODES', 'spec_budgets',
    'read_spec', 'apply_overrides', 'use_checkpoints', 'validate_spec', 'load_spec',
    'report_metrics'
]

# Mappings whose keys are used verbatim (cfg-option keys such as 'param_scheduler.0.end',
# environment variables), as spec paths ('*' is any name): a --set path that reaches one
# of them names one key of it with the rest of the path.
FLAT_MAPPINGS = (('env', ), ('loader_options', ), ('pretrain', '*', 'options'),
                 ('finetune', 'options'), ('test', 'options'))

# Known keys per section; anything else is a typo the user should hear about.
_KEYS = dict(
    top=('name', 'env', 'loader_options', 'datasets', 'pretrain', 'finetune', 'test',
         'report', 'lr_search'),
    dataset=('data_root', 'pretrain_root', 'generate', 'coco'),
    coco=('layout', 'splits', 'file', 'evaluate', 'min_area'),
    pretrain=('config', 'make', 'iters', 'val_interval', 'seed', 'options', 'checkpoint',
              'early_stop', 'metrics'),
    finetune=('config', 'iters', 'val_interval', 'options', 'inits', 'budgets', 'seeds',
              'datasets', 'held_out', 'lr_from'),
    init=('pretrain', 'setups', 'config', 'load_from'),
    setup=('name', 'config', 'convert'),
    test=('options', ),
    report=('metrics', 'qualitative_images', 'title', 'caption', 'reference', 'confidence',
            'decimals'),
    early_stop=('metric', 'patience', 'min_delta', 'rule'),
    lr_search=('option', 'values', 'out'),
)
# converter -> its modes for (the whole network, the encoder only)
CONVERTER_MODES = {'pretrain_to_seg': ('full', 'encoder'), 'vit_to_mmdp': ('seg-full', 'backbone')}
CONVERT_MODES = tuple(m for modes in CONVERTER_MODES.values() for m in modes)


class GridSpecError(ValueError):
    """A grid spec that cannot be run (names the file and the key)."""


def _where(spec: dict) -> str:
    return spec.get('_path', '<spec>')


def read_spec(path: str) -> dict:
    """Read a YAML grid spec (not yet checked; see :func:`validate_spec`).

    Args:
        path (str): The YAML file.

    Returns:
        dict: The spec, with ``name`` defaulting to the file's stem and ``_path`` set.
    """
    import yaml

    if not osp.isfile(path):
        raise GridSpecError(f'grid spec not found: {path}')
    with open(path) as f:
        try:
            spec = yaml.safe_load(f)
        except yaml.YAMLError as exc:
            raise GridSpecError(f'{path}: not valid YAML: {exc}') from None
    if not isinstance(spec, dict):
        raise GridSpecError(f'{path}: a grid spec is a mapping (name, datasets, finetune, ...)')
    spec.setdefault('name', osp.splitext(osp.basename(path))[0])
    spec['_path'] = path
    return spec


def _is_flat(path: List[str]) -> bool:
    return any(len(path) == len(flat) and all(f in ('*', p) for f, p in zip(flat, path))
               for flat in FLAT_MAPPINGS)


def apply_overrides(spec: dict, items: Iterable[str]) -> dict:
    """Set spec entries from ``KEY=VALUE`` strings (``--set``); values are parsed as YAML.

    ``KEY`` is a dotted path of mapping keys (``finetune.iters``). Once the path reaches
    a mapping of verbatim keys (``env``, ``loader_options``, ``pretrain.NAME.options``,
    ``finetune.options``, ``test.options``), the rest of the path, dots included, is one
    key of that mapping:
    ``pretrain.depth.options.param_scheduler.0.milestones=[15]`` sets the option
    ``param_scheduler.0.milestones`` of stage ``depth``.

    Args:
        spec (dict): The spec, changed in place.
        items (iterable): ``KEY=VALUE`` strings.

    Returns:
        dict: ``spec``.
    """
    import yaml

    for item in items:
        if '=' not in item:
            raise GridSpecError(f'--set expects KEY=VALUE, got {item!r}')
        key, text = item.split('=', 1)
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise GridSpecError(f'--set {key}: value is not valid YAML: {exc}') from None
        parts = key.split('.')
        if not all(parts):
            raise GridSpecError(f'--set {key}: empty key part')
        node, done = spec, []
        while len(parts) > 1 and not _is_flat(done):
            part = parts.pop(0)
            if node.get(part) is None:
                node[part] = {}
            node = node[part]
            done.append(part)
            if not isinstance(node, dict):
                raise GridSpecError(f'--set {key}: {".".join(done)} is not a mapping in '
                                    f'the spec ({_where(spec)})')
        node['.'.join(parts)] = value
    return spec


def use_checkpoints(spec: dict, items: Iterable[str]) -> dict:
    """Mark pre-training stages finished with given checkpoints (``--use-checkpoint``).

    Args:
        spec (dict): The spec, changed in place.
        items (iterable): ``STAGE=PATH`` strings; ``STAGE`` is a name under ``pretrain:``
            (every dataset) or a stage key ``pretrain/DATASET/NAME``; ``PATH`` is a
            checkpoint file, or ``last`` for the newest checkpoint in the stage's folder.

    Returns:
        dict: ``spec``, with ``pretrain.NAME.checkpoint`` set.
    """
    pretrain = spec.get('pretrain') or {}
    for item in items:
        if '=' not in item:
            raise GridSpecError(f'--use-checkpoint expects STAGE=PATH, got {item!r}')
        stage, path = item.split('=', 1)
        parts = stage.split('/')
        if len(parts) == 3 and parts[0] == 'pretrain':
            dataset, name = parts[1], parts[2]
        elif len(parts) == 1:
            dataset, name = None, stage
        else:
            raise GridSpecError(f'--use-checkpoint {item}: STAGE is a pre-training stage '
                                f'name or pretrain/DATASET/NAME')
        if name not in pretrain:
            raise GridSpecError(f'--use-checkpoint {item}: {_where(spec)} has no pre-training '
                                f'stage {name!r} (known: {", ".join(pretrain) or "none"})')
        if dataset is not None and dataset not in (spec.get('datasets') or {}):
            raise GridSpecError(f'--use-checkpoint {item}: unknown dataset {dataset!r}')
        stage_spec = pretrain[name] = dict(pretrain[name] or {})
        if dataset is None:
            stage_spec['checkpoint'] = path
        else:
            given = stage_spec.get('checkpoint')
            given = dict(given) if isinstance(given, dict) else {}
            given[dataset] = path
            stage_spec['checkpoint'] = given
    return spec


def _mapping(value, where: str, path: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise GridSpecError(f'{path}: {where} is a mapping, got {type(value).__name__}')
    return value


def _known(mapping: dict, kind: str, where: str, path: str) -> None:
    for key in mapping:
        if key not in _KEYS[kind] and not str(key).startswith('_'):
            raise GridSpecError(f'{path}: unknown key {where}{key!r} (known: '
                                f'{", ".join(_KEYS[kind])})')


def _int_list(value, where: str, path: str) -> None:
    if not isinstance(value, list) or not value or \
            not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise GridSpecError(f'{path}: {where} is a non-empty list of integers, got {value!r}')


def validate_spec(spec: dict) -> dict:
    """Check a spec's structure (keys, types); file checks are the plan's.

    Args:
        spec (dict): From :func:`read_spec` (after overrides).

    Returns:
        dict: ``spec``.
    """
    path = _where(spec)
    _known(spec, 'top', '', path)
    for key in ('datasets', 'finetune'):
        if key not in spec:
            raise GridSpecError(f'{path}: missing top-level key {key!r}')
    for key in ('env', 'loader_options'):
        _mapping(spec.get(key), key, path)
    datasets = spec['datasets']
    if not isinstance(datasets, dict) or not datasets:
        raise GridSpecError(f'{path}: datasets is a mapping name -> {{data_root: ...}}')
    for name, ds in datasets.items():
        ds = _mapping(ds, f'datasets.{name}', path)
        _known(ds, 'dataset', f'datasets.{name}.', path)
        _mapping(ds.get('generate'), f'datasets.{name}.generate', path)
        if ds.get('coco') is not None:
            from .coco_spec import check_coco  # it builds on this module's checks
            check_coco(ds, name, path)
    for name, stage in _mapping(spec.get('pretrain'), 'pretrain', path).items():
        stage = _mapping(stage, f'pretrain.{name}', path)
        _known(stage, 'pretrain', f'pretrain.{name}.', path)
        make = stage.get('make')
        if make is not None and (not isinstance(make, list) or not make
                                 or not all(isinstance(a, (str, int, float)) for a in make)):
            raise GridSpecError(f'{path}: pretrain.{name}.make is a list: a script that writes '
                                f'the checkpoint given by --out, then its arguments')
        if 'config' in stage and make is not None:
            raise GridSpecError(f'{path}: pretrain.{name} has both \'config\' (a training) '
                                f'and \'make\' (a script that writes the checkpoint)')
        if 'config' not in stage and make is None and stage.get('checkpoint') is None:
            raise GridSpecError(f'{path}: pretrain.{name} needs \'config\' (a training), '
                                f'\'make\' (a script that writes the checkpoint) or '
                                f'\'checkpoint\' (a file you have)')
        _mapping(stage.get('options'), f'pretrain.{name}.options', path)
        ckpt = stage.get('checkpoint')
        if ckpt is not None and not isinstance(ckpt, (str, dict)):
            raise GridSpecError(f'{path}: pretrain.{name}.checkpoint is a path, \'last\' or '
                                f'a mapping dataset -> path')
        early = stage.get('early_stop')
        if early is not None:
            early = _mapping(early, f'pretrain.{name}.early_stop', path)
            _known(early, 'early_stop', f'pretrain.{name}.early_stop.', path)
            if 'metric' not in early:
                raise GridSpecError(f'{path}: pretrain.{name}.early_stop needs \'metric\' (a '
                                    f'validation key such as abs_rel, EPE or masked_l1)')
            if early.get('rule') not in (None, 'less', 'greater'):
                raise GridSpecError(f'{path}: pretrain.{name}.early_stop.rule is less or '
                                    f'greater')
        for ds in (ckpt if isinstance(ckpt, dict) else {}):
            if ds not in datasets:
                raise GridSpecError(f'{path}: pretrain.{name}.checkpoint names unknown '
                                    f'dataset {ds!r}')
    ft = _mapping(spec['finetune'], 'finetune', path)
    _known(ft, 'finetune', 'finetune.', path)
    _mapping(ft.get('options'), 'finetune.options', path)
    for key in ('budgets', 'seeds'):
        if key in ft and not (key == 'budgets' and ft[key] is None):
            _int_list(ft[key], f'finetune.{key}', path)
    held = ft.get('held_out')
    if held is not None and ft.get('budgets', [16]) is None:
        raise GridSpecError(f'{path}: finetune.held_out needs label budgets (budgets: null '
                            f'trains on every labelled image)')
    if held is not None and (not isinstance(held, int) or isinstance(held, bool) or held < 1
                             or any(held >= b for b in ft.get('budgets', [16]))):
        raise GridSpecError(f'{path}: finetune.held_out is the number of labelled images kept '
                            f'out of training for validation, 1 to budget - 1; got {held!r}')
    if ft.get('lr_from') is not None and not isinstance(ft['lr_from'], str):
        raise GridSpecError(f'{path}: finetune.lr_from is the path of a learning-rate search '
                            f'result (tools/experiments/lr_search.py)')
    search = spec.get('lr_search')
    if search is not None:
        search = _mapping(search, 'lr_search', path)
        _known(search, 'lr_search', 'lr_search.', path)
        vals = search.get('values')
        if not isinstance(vals, list) or not vals or \
                not all(isinstance(v, (int, float)) for v in vals):
            raise GridSpecError(f'{path}: lr_search.values is a non-empty list of numbers')
    for name in ft.get('datasets') or []:
        if name not in datasets:
            raise GridSpecError(f'{path}: finetune.datasets names unknown dataset {name!r}')
    coco = [n for n in ft.get('datasets') or datasets
            if (datasets[n] or {}).get('coco') is not None]
    if coco and ft.get('budgets', [16]) is not None:
        raise GridSpecError(f'{path}: datasets {", ".join(coco)} are COCO-format (coco:) and take '
                            f'no label budget: set finetune.budgets: null')
    inits = _mapping(ft.get('inits'), 'finetune.inits', path)
    if not inits:
        raise GridSpecError(f'{path}: finetune needs \'inits\'')
    for name, init in inits.items():
        init = _mapping(init, f'finetune.inits.{name}', path)
        _known(init, 'init', f'finetune.inits.{name}.', path)
        for item in init.get('setups', ['full']):
            if isinstance(item, str):
                continue
            if not isinstance(item, dict) or 'name' not in item:
                raise GridSpecError(f'{path}: finetune.inits.{name}.setups: each setup is a '
                                    f'name or a mapping with name (and config, convert)')
            _known(item, 'setup', f'finetune.inits.{name}.setups.{item["name"]}.', path)
            if item.get('convert') and item['convert'] not in CONVERT_MODES:
                raise GridSpecError(f'{path}: finetune.inits.{name}.setups.{item["name"]}.'
                                    f'convert is one of {", ".join(CONVERT_MODES)}')
    test = _mapping(spec.get('test'), 'test', path)
    _known(test, 'test', 'test.', path)
    _mapping(test.get('options'), 'test.options', path)
    report = _mapping(spec.get('report'), 'report', path)
    _known(report, 'report', 'report.', path)
    decimals = report.get('decimals', 2)
    if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 6:
        raise GridSpecError(f'{path}: report.decimals is the number of decimals of the table\'s '
                            f'values, 0 to 6; got {decimals!r}')
    report_metrics(spec)
    return spec


def spec_budgets(ft: dict) -> List[int]:
    """The label budgets of ``finetune``: its ``budgets`` (default ``[16]``), or ``[0]``
    for ``budgets: null`` (datasets without a labelled subset option, e.g. mmseg's ADE20K:
    every labelled image trains, no ``num_labelled`` option is given)."""
    budgets = ft.get('budgets', [16])
    return [0] if budgets is None else [int(b) for b in budgets]


def load_spec(path: str, overrides: Iterable[str] = (),
              checkpoints: Iterable[str] = ()) -> dict:
    """Read, override and check a grid spec.

    Args:
        path (str): The YAML file.
        overrides (iterable): ``--set`` items (see :func:`apply_overrides`). Defaults to ().
        checkpoints (iterable): ``--use-checkpoint`` items (see :func:`use_checkpoints`).
            Defaults to ().

    Returns:
        dict: The checked spec.
    """
    spec = read_spec(path)
    apply_overrides(spec, overrides)
    use_checkpoints(spec, checkpoints)
    return validate_spec(spec)


def report_metrics(spec: dict) -> List[Tuple[str, str]]:
    """The table's metrics as ``(metrics.json key, column title)`` pairs, from
    ``report.metrics`` (a mapping key -> title, or a list of keys). The first one is the
    curves' metric. Empty when the spec names none (the report then shows every metric
    the cells wrote)."""
    path = _where(spec)
    given = (spec.get('report') or {}).get('metrics')
    if given is None:
        return []
    if isinstance(given, dict):
        pairs = [(str(k), str(v)) for k, v in given.items()]
    elif isinstance(given, list) and all(isinstance(k, str) for k in given):
        pairs = [(k, k) for k in given]
    else:
        raise GridSpecError(f'{path}: report.metrics is a mapping metrics.json key -> column '
                            f'title, or a list of keys')
    if not pairs:
        raise GridSpecError(f'{path}: report.metrics is empty')
    return pairs
