"""The plan of a grid: its stages and fine-tuning cells, each with its exact command.

The commands run the project's entry points (training, testing, checkpoint conversion,
world generation, COCO conversion) whose paths the caller gives in a :class:`GridTools`
(the checkout's ``tools/`` for ``tools/experiments/run_grid.py``), from the caller's root
folder, where the spec's relative paths (configs, data) live. Every cell of a grid has a folder
``<work_dir>/cells/<dataset>/<init>-<setup>/b<budget>/seed<seed>`` (budget 0: no label
budget, the spec's ``budgets: null``).
"""
from __future__ import annotations

import os.path as osp
import shlex
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from .coco_spec import coco_files
from .initfrom import CONVERTER, conversion, convert_mode, read_config
from .pretraining import early_stop_config, early_stop_rule
from .protocol import held_out_options, lr_option, read_lr_choice, split_file
from .spec import GridSpecError, report_metrics, spec_budgets, validate_spec

__all__ = [
    'GridTools', 'Stage', 'FinetuneCell', 'GridPlan', 'plan_grid', 'format_command',
    'convert_mode', 'cell_work_dir'
]

LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


@dataclass
class GridTools:
    """The entry points a grid runs: script paths, relative to the root or absolute.

    Attributes:
        train (str): Trains a config (``CONFIG --work-dir DIR --cfg-options ...``).
        test (str): Tests a checkpoint (``CONFIG CKPT --work-dir DIR --out JSON ...``).
        convert (str): Converts a pre-training checkpoint (``SRC DST --mode M --overwrite``).
        world (str): Writes the synthetic world (``--out ROOT --layout ...``).
        python (str): Interpreter. Defaults to the running one.
        split (str): Lists a budget's held-out validation images
            (``--data-root R --budget B --held-out N --out FILE``). Defaults to
            'tools/experiments/make_split.py'.
        coco (str): Writes a split's instances as COCO JSON
            (``ROOT OUT --layout L --split S``). Defaults to
            'tools/dataset_converters/instances_to_coco.py'.
    """

    train: str
    test: str
    convert: str
    world: str
    python: str = sys.executable
    split: str = 'tools/experiments/make_split.py'
    coco: str = 'tools/dataset_converters/instances_to_coco.py'

    def converter(self, name: str) -> str:
        """The script of converter ``name``: ``convert`` for our pre-training checkpoints,
        ``<name>.py`` beside it for the others (``vit_to_mmdp``)."""
        return self.convert if name == CONVERTER else osp.join(osp.dirname(self.convert),
                                                               f'{name}.py')


@dataclass
class Stage:
    """One command of the grid (world generation, COCO conversion, pre-training, checkpoint
    conversion or held-out split).

    Attributes:
        key (str): Unique id ('world/D', 'coco/D/SPLIT', 'pretrain/D/NAME',
            'convert/D/NAME/MODE', 'split/D/bB').
        kind (str): 'world', 'coco', 'pretrain', 'convert' or 'split'.
        title (str): The status-line text.
        argv (list): The command (the interpreter first), run from the root.
        done_file (str): Present once the stage succeeded.
        log_file (str): Where the command's output goes.
        depends (list): Keys of stages that must have succeeded first.
        outputs (dict): Named output paths (``work_dir`` of a pre-training,
            ``checkpoint`` of a conversion).
        checkpoint (str, optional): A pre-training stage finished with this checkpoint
            instead of training (an absolute path, or 'last': the newest checkpoint in
            its work dir). Defaults to None.
        files (dict): Files the runner writes before the command (path -> text), e.g.
            the config of an early-stopping pre-training. Defaults to {}.
        iters (int): A pre-training's planned iterations (0: the config's). Defaults to 0.
    """

    key: str
    kind: str
    title: str
    argv: List[str]
    done_file: str
    log_file: str
    depends: List[str] = field(default_factory=list)
    outputs: Dict[str, str] = field(default_factory=dict)
    checkpoint: Optional[str] = None
    files: Dict[str, str] = field(default_factory=dict)
    iters: int = 0


@dataclass
class FinetuneCell:
    """One fine-tuning run (dataset x initialisation x setup x budget x seed) and its test.

    Attributes:
        dataset, init, setup (str): The grid coordinates; ``budget`` (int) labelled
            images (0: no budget, every labelled image), ``seed`` (int) the run's random
            seed.
        config (str): Fine-tuning config (segmentation or detection).
        work_dir (str): The cell's folder (``train/``, ``test/``, logs, ``metrics.json``).
        train_argv, test_argv (list): Commands; ``test_argv`` has a ``{checkpoint}``
            placeholder filled in after training. Empty for a cell read back from disk.
        depends (list): Stage keys (the conversion that makes the initialisation).
    """

    dataset: str
    init: str
    setup: str
    budget: int
    seed: int
    config: str
    work_dir: str
    train_argv: List[str] = field(default_factory=list)
    test_argv: List[str] = field(default_factory=list)
    depends: List[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f'{self.dataset}/{self.init}-{self.setup}/b{self.budget}/seed{self.seed}'

    @property
    def metrics_file(self) -> str:
        return osp.join(self.work_dir, 'metrics.json')

    @property
    def failed_file(self) -> str:
        return osp.join(self.work_dir, 'failed.json')

    @property
    def info_file(self) -> str:
        return osp.join(self.work_dir, 'cell.json')

    @property
    def train_dir(self) -> str:
        return osp.join(self.work_dir, 'train')

    @property
    def train_done_file(self) -> str:
        return osp.join(self.work_dir, 'train.done.json')

    @property
    def train_log(self) -> str:
        return osp.join(self.work_dir, 'train.log')

    @property
    def test_log(self) -> str:
        return osp.join(self.work_dir, 'test.log')


@dataclass
class GridPlan:
    """Everything a spec asks for, in run order.

    Attributes:
        name (str): The grid's name.
        work_dir (str): Absolute output folder.
        root (str): Working directory of the commands.
        env (dict): Environment overrides of every command.
        stages (list): :class:`Stage` objects in run order.
        cells (list): :class:`FinetuneCell` objects in run order.
        spec (dict): The spec.
        metrics (list): ``(key, title)`` pairs of the report (may be empty).
    """

    name: str
    work_dir: str
    root: str
    env: Dict[str, str]
    stages: List[Stage]
    cells: List[FinetuneCell]
    spec: dict
    metrics: List[Tuple[str, str]] = field(default_factory=list)

    def stage(self, key: str) -> Stage:
        return next(s for s in self.stages if s.key == key)


def format_command(argv: List[str], env: Optional[Dict[str, str]] = None) -> str:
    """The shell text of a command, with its environment overrides in front."""
    prefix = [f'{k}={shlex.quote(str(v))}' for k, v in (env or {}).items()]
    return ' '.join(prefix + [shlex.quote(str(a)) for a in argv])


def cell_work_dir(work_dir: str, dataset: str, init: str, setup: str, budget: int,
                  seed: int) -> str:
    """The folder of one fine-tuning cell below a grid's work dir."""
    return osp.join(work_dir, 'cells', dataset, f'{init}-{setup}', f'b{budget}', f'seed{seed}')


def _fmt(value, **ctx) -> str:
    """A cfg-option value as text, with ``{iters}``-style fields filled in."""
    if isinstance(value, (list, tuple)):
        text = '[' + ','.join(_fmt(v, **ctx) for v in value) + ']'
    else:
        text = str(value)
    if '{' in text:
        text = text.format(**ctx)
    return text


def _options(mapping: Optional[dict], **ctx) -> List[str]:
    return [f'{k}={_fmt(v, **ctx)}' for k, v in (mapping or {}).items()]


def _world_args(tools: GridTools, root: str, gen: dict) -> List[str]:
    args = [tools.python, tools.world, '--out', root]
    for k, v in gen.items():
        if k == 'size' and isinstance(v, (list, tuple)):
            v = f'{v[0]}x{v[1]}'
        if isinstance(v, bool):
            if k == 'moving_objects':
                args.append('--moving-objects' if v else '--static')
            continue
        args += ['--' + k.replace('_', '-'), str(v)]
    return args


def _given_checkpoint(stage: dict, dataset: str, name: str, root: str,
                      path: str) -> Optional[str]:
    given = stage.get('checkpoint')
    if isinstance(given, dict):
        given = given.get(dataset)
    if not given or given == 'last':
        return given or None
    ckpt = given if osp.isabs(given) else osp.join(root, given)
    if not osp.isfile(ckpt):
        raise GridSpecError(f'{path}: pretrain.{name}.checkpoint ({dataset}): file not '
                            f'found: {given}')
    return osp.abspath(ckpt)


def _schedule(iters: int, val_interval: int) -> List[str]:
    if not iters:
        return []
    return [f'train_cfg.max_iters={iters}', f'train_cfg.val_interval={val_interval}',
            f'default_hooks.checkpoint.interval={iters}']


def plan_grid(spec: dict, work_dir: str, tools: GridTools, root: str) -> GridPlan:
    """Turn a spec into stages and cells with their exact commands.

    Args:
        spec (dict): From :func:`~mmdepthpretrain.experiments.spec.load_spec`.
        work_dir (str): Output folder of the grid.
        tools (GridTools): The entry points the commands run.
        root (str): Where the commands run; the spec's relative paths (configs, data,
            checkpoints) are relative to it.

    Returns:
        GridPlan: Stages (world, COCO conversion, pre-training, conversion, held-out
        split) and fine-tuning cells.
    """
    validate_spec(spec)
    path = spec.get('_path', '<spec>')
    work_dir = osp.abspath(work_dir)
    env = {k: str(v) for k, v in (spec.get('env') or {}).items()}
    loader_options = spec.get('loader_options') or {}
    python = tools.python
    stages: List[Stage] = []

    def rel(p):
        return p if osp.isabs(p) else osp.join(root, p)

    def data_options(data_root):
        opts = []
        for loader in LOADERS:
            if data_root:
                opts.append(f'{loader}.dataset.data_root={data_root}')
            opts += [f'{loader}.{k}={_fmt(v)}' for k, v in loader_options.items()]
        return opts

    datasets = spec['datasets']
    roots, pretrain_roots = {}, {}
    coco_eval = {}  # COCO-format dataset -> the JSON its evaluators read
    for name, ds in datasets.items():
        ds = ds or {}
        data_root = roots[name] = ds.get('data_root')
        pretrain_roots[name] = ds.get('pretrain_root', data_root)
        gen = ds.get('generate')
        if gen:
            if not data_root:
                raise GridSpecError(f'{path}: datasets.{name}.generate needs data_root')
            stages.append(Stage(
                key=f'world/{name}', kind='world', title=f'synthetic world {name} -> '
                f'{data_root}', argv=_world_args(tools, data_root, gen),
                done_file=osp.join(rel(data_root), 'world.json'),
                log_file=osp.join(work_dir, 'logs', f'world_{name}.log')))
        if ds.get('coco') is not None:
            files, evaluate = coco_files(ds)
            layout = ds['coco'].get('layout')
            for split, out in files.items() if layout else ():
                argv = [python, tools.coco, data_root, out, '--layout', layout, '--split', split]
                if ds['coco'].get('min_area'):
                    argv += ['--min-area', str(ds['coco']['min_area'])]
                stages.append(Stage(
                    key=f'coco/{name}/{split}', kind='coco',
                    title=f'COCO instances {name} {split} -> {out}', argv=argv,
                    done_file=rel(out), log_file=osp.join(work_dir, 'logs',
                                                          f'coco_{name}_{split}.log'),
                    depends=[f'world/{name}'] if gen else []))
            coco_eval[name] = files[evaluate]

    ft = spec['finetune']
    ft_datasets = ft.get('datasets') or list(datasets)
    pretrain = spec.get('pretrain') or {}
    inits = ft['inits']
    needed = {}  # (dataset, stage) -> set of converter modes
    cell_setups = []
    for init_name, init in inits.items():
        init = init or {}
        stage_name = init.get('pretrain')
        if stage_name and stage_name not in pretrain:
            raise GridSpecError(f'{path}: finetune.inits.{init_name}.pretrain names '
                                f'unknown pre-training stage {stage_name!r}')
        for setup in init.get('setups', ['full']):
            setup = dict(name=setup) if isinstance(setup, str) else dict(setup)
            config = setup.get('config') or init.get('config') or ft.get('config')
            if not config:
                raise GridSpecError(f'{path}: finetune needs \'config\' (or a config for '
                                    f'{init_name}-{setup["name"]})')
            config = config.format(init=init_name, setup=setup['name'])
            if not osp.isfile(rel(config)):
                raise GridSpecError(f'{path}: config of {init_name}-{setup["name"]} not '
                                    f'found: {config}')
            converter, mode = conversion(rel(config), setup) if stage_name else (None, None)
            cell_setups.append((init_name, setup['name'], config, stage_name, mode))
            if stage_name:
                for ds in ft_datasets:
                    needed.setdefault((ds, stage_name), set()).add((converter, mode))

    world_keys = {s.key for s in stages}
    for (ds, stage_name), modes in sorted(needed.items(), key=lambda x: x[0]):
        st = pretrain[stage_name]
        iters = int(st.get('iters', 0))
        pdir = osp.join(work_dir, 'pretrain', ds, stage_name)
        config, files = st.get('config'), {}
        val_interval = int(st.get('val_interval', iters))
        early = st.get('early_stop') if config else None
        if early:  # mmengine's EarlyStoppingHook, and a checkpoint at every validation
            config = osp.join(pdir, 'early_stop_config.py')
            hooks = read_config(rel(st['config']), 'custom_hooks').get('custom_hooks')
            files[config] = early_stop_config(osp.abspath(rel(st['config'])), early, hooks)
        args = [python, tools.train, config, '--work-dir', pdir, '--cfg-options']
        args += data_options(pretrain_roots[ds])
        args += _schedule(iters, val_interval)
        if early:  # the best validation's checkpoint is the one handed on
            args += [f'default_hooks.checkpoint.interval={val_interval or iters}',
                     f'default_hooks.checkpoint.save_best={early["metric"]}',
                     f'default_hooks.checkpoint.rule={early_stop_rule(early)}']
        args += [f'randomness.seed={int(st.get("seed", 0))}']
        args += _options(st.get('options'), iters=iters)
        outputs, title = dict(work_dir=pdir), f'pre-train {stage_name} on {ds}'
        if st.get('make'):  # a script writes the checkpoint: no training, no data
            outputs['checkpoint'] = osp.join(pdir, f'{stage_name}.pth')
            args = [python] + [str(a) for a in st['make']] + ['--out', outputs['checkpoint']]
            title = f'make {stage_name}'
        elif not config:  # finished with its given checkpoint, never run
            args, title = [], f'{stage_name} (given checkpoint)'
        wkey = f'world/{ds}'
        key = f'pretrain/{ds}/{stage_name}'
        stages.append(Stage(
            key=key, kind='pretrain', title=title, argv=args,
            done_file=osp.join(pdir, 'done.json'), log_file=osp.join(pdir, 'train.log'),
            depends=[wkey] if wkey in world_keys and not st.get('make') else [],
            outputs=outputs, checkpoint=_given_checkpoint(st, ds, stage_name, root, path),
            files=files, iters=iters))
        for converter, mode in sorted(modes):
            dst = osp.join(work_dir, 'pretrain', ds, f'{stage_name}_{mode}.pth')
            stages.append(Stage(
                key=f'convert/{ds}/{stage_name}/{mode}', kind='convert',
                title=f'convert {stage_name} -> {mode}',
                argv=[python, tools.converter(converter), '{checkpoint}', dst, '--mode', mode,
                      '--overwrite'],
                done_file=dst, log_file=osp.join(work_dir, 'pretrain', ds,
                                                 f'convert_{stage_name}_{mode}.log'),
                depends=[key], outputs=dict(checkpoint=dst)))

    converted = {s.key: s.outputs['checkpoint'] for s in stages if s.kind == 'convert'}
    held = ft.get('held_out')
    for ds in ft_datasets if held else []:
        for budget in spec_budgets(ft):
            names = split_file(work_dir, ds, int(budget), int(held))
            wkey = f'world/{ds}'
            stages.append(Stage(
                key=f'split/{ds}/b{budget}', kind='split',
                title=f'held-out validation split {ds} b{budget} ({held} images)',
                argv=[python, tools.split, '--data-root', roots[ds] or '', '--budget',
                      str(budget), '--held-out', str(held), '--out', names],
                done_file=names, log_file=osp.join(osp.dirname(names), f'b{budget}.log'),
                depends=[wkey] if wkey in world_keys else [], outputs=dict(names=names)))
    lr_choice = read_lr_choice(rel(ft['lr_from']), path) if ft.get('lr_from') else None
    cells = []
    ft_iters = int(ft.get('iters', 0))
    test_opts = (spec.get('test') or {}).get('options')
    for ds in ft_datasets:
        wkey = f'world/{ds}'
        coco_keys = [s.key for s in stages if s.kind == 'coco' and s.key.startswith(
            f'coco/{ds}/')]
        eval_ann = coco_eval.get(ds)
        for budget in spec_budgets(ft):  # 0: every labelled image, no option
            budget_opts = [f'{loader}.dataset.num_labelled={budget}' for loader in LOADERS
                           if budget]
            for init_name, setup_name, config, stage_name, mode in cell_setups:
                for seed in ft.get('seeds', [0]):
                    cdir = cell_work_dir(work_dir, ds, init_name, setup_name, budget, seed)
                    args = [python, tools.train, config, '--work-dir',
                            osp.join(cdir, 'train'), '--cfg-options']
                    args += data_options(roots[ds]) + budget_opts
                    if eval_ann:
                        args.append(f'val_evaluator.ann_file={eval_ann}')
                    args += _schedule(ft_iters, int(ft.get('val_interval', ft_iters)))
                    args += [f'randomness.seed={seed}']
                    args += _options(ft.get('options'), iters=ft_iters, seed=seed,
                                     budget=budget)
                    args += lr_option(lr_choice, ds, f'{init_name}-{setup_name}', budget)
                    depends = ([wkey] if wkey in world_keys else []) + coco_keys
                    held_opts = []
                    if held:
                        depends.append(f'split/{ds}/b{budget}')
                        held_opts = held_out_options(int(budget), int(held), split_file(
                            work_dir, ds, int(budget), int(held)))
                        args += held_opts
                    if stage_name:
                        conv = f'convert/{ds}/{stage_name}/{mode}'
                        depends.append(conv)
                        args.append(f'load_from={converted[conv]}')
                    elif (inits[init_name] or {}).get('load_from'):
                        args.append(f'load_from={inits[init_name]["load_from"]}')
                    test = [python, tools.test, config, '{checkpoint}', '--work-dir',
                            osp.join(cdir, 'test'), '--out', osp.join(cdir, 'metrics.json'),
                            '--cfg-options'] + data_options(roots[ds]) + budget_opts
                    if eval_ann:
                        test.append(f'test_evaluator.ann_file={eval_ann}')
                    test += held_opts + _options(test_opts, seed=seed, budget=budget)
                    cells.append(FinetuneCell(
                        dataset=ds, init=init_name, setup=setup_name, budget=int(budget),
                        seed=int(seed), config=config, work_dir=cdir, train_argv=args,
                        test_argv=test, depends=depends))
    return GridPlan(name=spec['name'], work_dir=work_dir, root=root, env=env, stages=stages,
                    cells=cells, spec=spec, metrics=report_metrics(spec))
