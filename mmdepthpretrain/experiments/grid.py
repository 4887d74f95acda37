"""A declarative experiment grid: pre-train, convert, fine-tune, test, through the tools.

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
    pretrain:
      depth:
        config: configs/synthetic/monodepth2-m_r18_1xb4-400_synthetic-320x96.py
        iters: 100                           # max_iters, checkpoint and val interval
        options: {param_scheduler.0.milestones: '[{iters}]'}
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
      budgets: [16]
      seeds: [0, 1, 2]
      datasets: [synthetic]                  # default: every dataset
    test: {options: {}}
    report: {qualitative_images: 3, caption: '...'}

Every command runs from the repository root as a subprocess (``python tools/train.py``,
``python tools/model_converters/pretrain_to_seg.py``, ``python tools/test.py --out``); its
exact text goes to ``<work_dir>/commands.log`` and into the results. A fine-tuning cell
is finished when its ``metrics.json`` exists (written atomically by ``tools/test.py``);
finished cells and stages are skipped when the grid runs again, so an interrupted grid
resumes where it stopped. A failing command marks its cell failed (``failed.json`` with
the log path) and the grid goes on with the other cells.
"""
from __future__ import annotations

import copy
import json
import os
import os.path as osp
import re
import shlex
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

__all__ = [
    'GridSpecError', 'Stage', 'FinetuneCell', 'GridPlan', 'load_spec', 'plan_grid',
    'GridRunner', 'atomic_write_text', 'format_command'
]

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
CONVERTER = 'tools/model_converters/pretrain_to_seg.py'


class GridSpecError(ValueError):
    """A grid spec that cannot be run (names the file and the key)."""


def atomic_write_text(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = f'{path}.tmp{os.getpid()}'
    with open(tmp, 'w') as f:
        f.write(text)
    os.replace(tmp, path)


def _write_json(path: str, obj) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2) + '\n')


def format_command(argv: List[str], env: Optional[Dict[str, str]] = None) -> str:
    """The shell text of a command, with its environment overrides in front."""
    prefix = [f'{k}={shlex.quote(str(v))}' for k, v in (env or {}).items()]
    return ' '.join(prefix + [shlex.quote(str(a)) for a in argv])


def _fmt(value, **ctx) -> str:
    """A cfg-option value as text, with ``{iters}``-style fields filled in."""
    if isinstance(value, bool):
        text = str(value)
    elif isinstance(value, (list, tuple)):
        text = '[' + ','.join(_fmt(v, **ctx) for v in value) + ']'
    else:
        text = str(value)
    if '{' in text:
        text = text.format(**ctx)
    return text


def _options(mapping: Optional[dict], **ctx) -> List[str]:
    return [f'{k}={_fmt(v, **ctx)}' for k, v in (mapping or {}).items()]


@dataclass
class Stage:
    """One command of the grid (world generation, pre-training or conversion).

    Attributes:
        key (str): Unique id, also the folder name below the work dir.
        kind (str): 'world', 'pretrain' or 'convert'.
        title (str): The status-line text.
        argv (list): The command (``python`` first), run from the repository root.
        done_file (str): Present once the stage succeeded.
        log_file (str): Where the command's output goes.
        depends (list): Keys of stages that must have succeeded first.
        outputs (dict): Named output paths (``checkpoint`` of a conversion).
    """

    key: str
    kind: str
    title: str
    argv: List[str]
    done_file: str
    log_file: str
    depends: List[str] = field(default_factory=list)
    outputs: Dict[str, str] = field(default_factory=dict)


@dataclass
class FinetuneCell:
    """One fine-tuning run (dataset x initialisation x setup x budget x seed) and its test.

    Attributes:
        dataset, init, setup (str): The grid coordinates; ``budget`` (int) labelled
            images, ``seed`` (int) the run's random seed.
        config (str): Segmentation config.
        work_dir (str): The cell's folder (``train/``, ``test/``, logs, ``metrics.json``).
        train_argv, test_argv (list): Commands; ``test_argv`` has a ``{checkpoint}``
            placeholder filled in after training.
        depends (list): Stage keys (the conversion that makes the initialisation).
    """

    dataset: str
    init: str
    setup: str
    budget: int
    seed: int
    config: str
    work_dir: str
    train_argv: List[str]
    test_argv: List[str]
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
    """Everything a spec asks for, in run order."""

    name: str
    work_dir: str
    env: Dict[str, str]
    stages: List[Stage]
    cells: List[FinetuneCell]
    spec: dict

    def stage(self, key: str) -> Stage:
        return next(s for s in self.stages if s.key == key)


def load_spec(path: str) -> dict:
    """Read a YAML grid spec, or raise :class:`GridSpecError` naming the problem."""
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
    for key in ('datasets', 'finetune'):
        if key not in spec:
            raise GridSpecError(f'{path}: missing top-level key {key!r}')
    spec.setdefault('name', osp.splitext(osp.basename(path))[0])
    spec['_path'] = path
    return spec


def _need(mapping: dict, key: str, where: str, path: str):
    if key not in mapping:
        raise GridSpecError(f'{path}: {where} needs {key!r}')
    return mapping[key]


def _setups(init_name: str, init: dict, path: str) -> List[dict]:
    out = []
    for item in init.get('setups', ['full']):
        if isinstance(item, str):
            item = dict(name=item)
        elif not isinstance(item, dict) or 'name' not in item:
            raise GridSpecError(f'{path}: finetune.inits.{init_name}.setups: each setup is a '
                                f'name or a mapping with name (and config, convert)')
        out.append(dict(item))
    return out


def _convert_mode(config_path: str, setup: dict) -> str:
    """The converter mode a setup needs: given, or read from the config's ``load_from``."""
    if setup.get('convert'):
        return setup['convert']
    text = open(config_path).read() if osp.isfile(config_path) else ''
    match = re.search(r"^load_from\s*=\s*['\"]([^'\"]+)['\"]", text, re.M)
    if match:
        stem = osp.splitext(osp.basename(match.group(1)))[0]
        if stem.endswith('_encoder'):
            return 'encoder'
        if stem.endswith('_full'):
            return 'full'
    return 'encoder' if setup['name'] in ('encoder', 'cross') else 'full'


def plan_grid(spec: dict, work_dir: str, python: str = sys.executable,
              repo_root: str = REPO_ROOT) -> GridPlan:
    """Turn a spec into stages and cells with their exact commands.

    Args:
        spec (dict): From :func:`load_spec`.
        work_dir (str): Output folder of the grid.
        python (str): Interpreter of the commands. Defaults to the running one.
        repo_root (str): Where the commands run (``tools/`` and ``configs/`` live there).
            Defaults to this repository.

    Returns:
        GridPlan: Stages (world, pre-training, conversion) and fine-tuning cells.
    """
    path = spec.get('_path', '<spec>')
    work_dir = osp.abspath(work_dir)
    env = {k: str(v) for k, v in (spec.get('env') or {}).items()}
    loader_options = spec.get('loader_options') or {}
    stages: List[Stage] = []

    def rel(p):
        return p if osp.isabs(p) else osp.join(repo_root, p)

    def data_options(root):
        opts = []
        for loader in LOADERS:
            if root:
                opts.append(f'{loader}.dataset.data_root={root}')
            opts += [f'{loader}.{k}={_fmt(v)}' for k, v in loader_options.items()]
        return opts

    datasets = spec['datasets']
    if not isinstance(datasets, dict) or not datasets:
        raise GridSpecError(f'{path}: datasets is a mapping name -> {{data_root: ...}}')
    roots, pretrain_roots = {}, {}
    for name, ds in datasets.items():
        ds = ds or {}
        root = roots[name] = ds.get('data_root')
        pretrain_roots[name] = ds.get('pretrain_root', root)
        gen = ds.get('generate')
        if gen:
            if not root:
                raise GridSpecError(f'{path}: datasets.{name}.generate needs data_root')
            key = f'world/{name}'
            args = [python, 'tools/misc/make_synthetic_world.py', '--out', root]
            for k, v in gen.items():
                flag = '--' + k.replace('_', '-')
                if k == 'size':
                    v = f'{v[0]}x{v[1]}' if isinstance(v, (list, tuple)) else v
                if isinstance(v, bool):
                    if k == 'moving_objects':
                        args.append('--moving-objects' if v else '--static')
                    continue
                args += [flag, str(v)]
            stages.append(Stage(
                key=key, kind='world', title=f'synthetic world {name} -> {root}', argv=args,
                done_file=osp.join(rel(root), 'world.json'),
                log_file=osp.join(work_dir, 'logs', f'world_{name}.log')))

    ft = spec['finetune']
    ft_datasets = ft.get('datasets') or list(datasets)
    for name in ft_datasets:
        if name not in datasets:
            raise GridSpecError(f'{path}: finetune.datasets names unknown dataset {name!r}')

    pretrain = spec.get('pretrain') or {}
    inits = _need(ft, 'inits', 'finetune', path)
    needed = {}  # (dataset, stage) -> set of converter modes
    cell_setups = []
    for init_name, init in inits.items():
        init = init or {}
        stage_name = init.get('pretrain')
        if stage_name and stage_name not in pretrain:
            raise GridSpecError(f'{path}: finetune.inits.{init_name}.pretrain names '
                                f'unknown pre-training stage {stage_name!r}')
        for setup in _setups(init_name, init, path):
            config = setup.get('config') or init.get('config') or \
                _need(ft, 'config', 'finetune', path)
            config = config.format(init=init_name, setup=setup['name'])
            if not osp.isfile(rel(config)):
                raise GridSpecError(f'{path}: config of {init_name}-{setup["name"]} not '
                                    f'found: {config}')
            mode = _convert_mode(rel(config), setup) if stage_name else None
            cell_setups.append((init_name, setup['name'], config, stage_name, mode))
            if stage_name:
                for ds in ft_datasets:
                    needed.setdefault((ds, stage_name), set()).add(mode)

    world_keys = {s.key for s in stages}
    for (ds, stage_name), modes in sorted(needed.items(), key=lambda x: x[0]):
        st = pretrain[stage_name]
        config = _need(st, 'config', f'pretrain.{stage_name}', path)
        iters = int(st.get('iters', 0))
        pdir = osp.join(work_dir, 'pretrain', ds, stage_name)
        args = [python, 'tools/train.py', config, '--work-dir', pdir, '--cfg-options']
        args += data_options(pretrain_roots[ds])
        if iters:
            args += [f'train_cfg.max_iters={iters}',
                     f'train_cfg.val_interval={int(st.get("val_interval", iters))}',
                     f'default_hooks.checkpoint.interval={iters}']
        args += [f'randomness.seed={int(st.get("seed", 0))}']
        args += _options(st.get('options'), iters=iters)
        wkey = f'world/{ds}'
        key = f'pretrain/{ds}/{stage_name}'
        stages.append(Stage(
            key=key, kind='pretrain', title=f'pre-train {stage_name} on {ds}', argv=args,
            done_file=osp.join(pdir, 'done.json'), log_file=osp.join(pdir, 'train.log'),
            depends=[wkey] if wkey in world_keys else [],
            outputs=dict(work_dir=pdir)))
        for mode in sorted(modes):
            dst = osp.join(work_dir, 'pretrain', ds, f'{stage_name}_{mode}.pth')
            stages.append(Stage(
                key=f'convert/{ds}/{stage_name}/{mode}', kind='convert',
                title=f'convert {stage_name} -> {mode}',
                argv=[python, CONVERTER, '{checkpoint}', dst, '--mode', mode, '--overwrite'],
                done_file=dst, log_file=osp.join(work_dir, 'pretrain', ds,
                                                 f'convert_{stage_name}_{mode}.log'),
                depends=[key], outputs=dict(checkpoint=dst)))

    cells = []
    ft_iters = int(ft.get('iters', 0))
    test_opts = (spec.get('test') or {}).get('options')
    for ds in ft_datasets:
        wkey = f'world/{ds}'
        for budget in ft.get('budgets', [16]):
            for init_name, setup_name, config, stage_name, mode in cell_setups:
                for seed in ft.get('seeds', [0]):
                    cdir = osp.join(work_dir, 'cells', ds, f'{init_name}-{setup_name}',
                                    f'b{budget}', f'seed{seed}')
                    budget_opts = [f'{loader}.dataset.num_labelled={budget}'
                                   for loader in LOADERS]
                    args = [python, 'tools/train.py', config, '--work-dir',
                            osp.join(cdir, 'train'), '--cfg-options']
                    args += data_options(roots[ds]) + budget_opts
                    if ft_iters:
                        args += [f'train_cfg.max_iters={ft_iters}',
                                 f'train_cfg.val_interval={int(ft.get("val_interval", ft_iters))}',
                                 f'default_hooks.checkpoint.interval={ft_iters}']
                    args += [f'randomness.seed={seed}']
                    args += _options(ft.get('options'), iters=ft_iters, seed=seed,
                                     budget=budget)
                    depends = [wkey] if wkey in world_keys else []
                    if stage_name:
                        conv = f'convert/{ds}/{stage_name}/{mode}'
                        depends.append(conv)
                        init_file = osp.join(work_dir, 'pretrain', ds,
                                             f'{stage_name}_{mode}.pth')
                        args.append(f'load_from={init_file}')
                    elif inits[init_name] and inits[init_name].get('load_from'):
                        args.append(f'load_from={inits[init_name]["load_from"]}')
                    test = [python, 'tools/test.py', config, '{checkpoint}', '--work-dir',
                            osp.join(cdir, 'test'), '--out', osp.join(cdir, 'metrics.json'),
                            '--cfg-options'] + data_options(roots[ds]) + budget_opts
                    test += _options(test_opts, seed=seed, budget=budget)
                    cells.append(FinetuneCell(
                        dataset=ds, init=init_name, setup=setup_name, budget=int(budget),
                        seed=int(seed), config=config, work_dir=cdir, train_argv=args,
                        test_argv=test, depends=depends))
    return GridPlan(name=spec['name'], work_dir=work_dir, env=env, stages=stages, cells=cells,
                    spec=spec)


def _last_checkpoint(train_dir: str) -> Optional[str]:
    marker = osp.join(train_dir, 'last_checkpoint')
    if osp.isfile(marker):
        ckpt = open(marker).read().strip()
        if ckpt and not osp.isabs(ckpt):
            ckpt = osp.join(train_dir, ckpt)
        if ckpt and osp.isfile(ckpt):
            return ckpt
    return None


ECHO = re.compile(r'Iter\((train|val|test)\)|Error|error:')


class GridRunner:
    """Runs a :class:`GridPlan`: skips what is finished, records commands, goes on on failure.

    Args:
        plan (GridPlan): What to run.
        echo (bool): Stream mmengine's iteration lines (with ETA) of every command to the
            terminal, below the stage's status line; everything else goes to the stage's
            log file only. Defaults to True.
        print_fn (callable): Where status lines go. Defaults to ``print`` (flushed).
        repo_root (str): Working directory of the commands. Defaults to this repository.
    """

    def __init__(self, plan: GridPlan, echo: bool = True,
                 print_fn: Optional[Callable[[str], None]] = None,
                 repo_root: str = REPO_ROOT) -> None:
        self.plan = plan
        self.echo = echo
        self.print = print_fn or (lambda s: print(s, flush=True))
        self.repo_root = repo_root
        self.commands_log = osp.join(plan.work_dir, 'commands.log')
        self.status: Dict[str, str] = {}  # stage key -> 'done' | 'failed' | 'skipped'
        self.failures: Dict[str, str] = {}  # stage key -> log path
        self.step = 0
        self.total = len(plan.stages) + 2 * len(plan.cells)
        self.timings: Dict[str, float] = {}

    # -- plumbing ---------------------------------------------------------------------
    def _record(self, key: str, argv: List[str]) -> str:
        text = format_command(argv, self.plan.env)
        os.makedirs(self.plan.work_dir, exist_ok=True)
        with open(self.commands_log, 'a') as f:
            f.write(f'# {time.strftime("%Y-%m-%d %H:%M:%S")} {key}\n{text}\n')
        return text

    def _line(self, text: str) -> None:
        self.print(f'[{self.plan.name} {self.step}/{self.total}] {text}')

    def _execute(self, key: str, argv: List[str], log_file: str) -> int:
        """Record and run one command, all output to ``log_file``."""
        self._record(key, argv)
        return self._spawn(argv, log_file)

    def _spawn(self, argv: List[str], log_file: str) -> int:
        """Run a command from the repository root; iteration lines echoed."""
        os.makedirs(osp.dirname(log_file), exist_ok=True)
        env = dict(os.environ, **self.plan.env)
        env['PYTHONPATH'] = self.repo_root + os.pathsep + env.get('PYTHONPATH', '')
        env.setdefault('PYTHONUNBUFFERED', '1')
        with open(log_file, 'w') as log:
            log.write(f'$ {format_command(argv, self.plan.env)}\n')
            log.flush()
            proc = subprocess.Popen(argv, cwd=self.repo_root, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True, bufsize=1)

            def pump():
                for line in proc.stdout:
                    log.write(line)
                    log.flush()
                    if self.echo and ECHO.search(line):
                        text = line.rstrip()
                        if ' - mmengine - ' in text:  # drop the date and logger name
                            text = text.split(' - ', 3)[-1]
                        self.print('    | ' + text[:200])

            reader = threading.Thread(target=pump, daemon=True)
            reader.start()
            try:
                rc = proc.wait()
            except KeyboardInterrupt:
                proc.terminate()
                proc.wait()
                raise
            reader.join()
        return rc

    def _tail(self, log_file: str, n: int = 3) -> str:
        try:
            lines = [ln.rstrip() for ln in open(log_file) if ln.strip()]
        except OSError:
            return ''
        return ' / '.join(lines[-n:])[-400:]

    def _deps_ok(self, depends: List[str]) -> Optional[str]:
        for dep in depends:
            if self.status.get(dep) != 'done':
                return dep
        return None

    # -- stages -----------------------------------------------------------------------
    @staticmethod
    def _stage_done(stage: Stage) -> bool:
        if not osp.isfile(stage.done_file):
            return False
        if stage.kind == 'world':
            try:
                return bool(json.load(open(stage.done_file)).get('complete', True))
            except (OSError, ValueError):
                return False
        return True

    def run_stage(self, stage: Stage) -> str:
        self.step += 1
        if self._stage_done(stage):
            self.status[stage.key] = 'done'
            self._line(f'{stage.title} ... already done (skipped)')
            return 'done'
        bad = self._deps_ok(stage.depends)
        if bad:
            self.status[stage.key] = 'failed'
            self.failures[stage.key] = self.failures.get(bad, '')
            self._line(f'{stage.title} ... not run: {bad} failed')
            return 'failed'
        argv = list(stage.argv)
        if stage.kind == 'convert':
            src = self._pretrain_checkpoint(stage.depends[0])
            argv = [src if a == '{checkpoint}' else a for a in argv]
        self._line(f'{stage.title} ...')
        start = time.perf_counter()
        rc = self._execute(stage.key, argv, stage.log_file)
        took = time.perf_counter() - start
        self.timings[stage.key] = took
        if rc == 0 and stage.kind == 'pretrain':
            ckpt = _last_checkpoint(stage.outputs['work_dir'])
            if ckpt is None:
                rc = -1
            else:
                _write_json(stage.done_file, dict(checkpoint=ckpt, seconds=round(took, 1),
                                                  command=format_command(argv, self.plan.env)))
        if rc == 0 and not self._stage_done(stage):
            rc = -1
        if rc != 0:
            self.status[stage.key] = 'failed'
            self.failures[stage.key] = stage.log_file
            self._line(f'{stage.title} ... FAILED (exit {rc}) in {took:.0f} s; log: '
                       f'{stage.log_file}: {self._tail(stage.log_file, 1)}')
            return 'failed'
        self.status[stage.key] = 'done'
        self._line(f'{stage.title} ... done in {took:.0f} s')
        return 'done'

    def _pretrain_checkpoint(self, key: str) -> str:
        done = self.plan.stage(key).done_file
        return json.load(open(done))['checkpoint']

    # -- cells ------------------------------------------------------------------------
    def _fail_cell(self, cell: FinetuneCell, stage: str, log: str, reason: str) -> str:
        _write_json(cell.failed_file, dict(cell=cell.key, stage=stage, log=log, reason=reason,
                                           time=time.strftime('%Y-%m-%d %H:%M:%S')))
        return 'failed'

    def run_cell(self, cell: FinetuneCell) -> str:
        title = f'fine-tune {cell.init}-{cell.setup} b{cell.budget} seed {cell.seed}'
        if cell.dataset != 'synthetic' or len(self.plan.spec['datasets']) > 1:
            title += f' ({cell.dataset})'
        if osp.isfile(cell.metrics_file):
            self.step += 2
            self._line(f'{title} ... already done (skipped)')
            return 'done'
        if osp.isfile(cell.failed_file):
            os.remove(cell.failed_file)
        bad = self._deps_ok(cell.depends)
        if bad:
            self.step += 2
            log = self.failures.get(bad, '')
            self._line(f'{title} ... not run: {bad} failed (log: {log})')
            return self._fail_cell(cell, bad, log, f'{bad} failed')
        self.step += 1
        ckpt = None
        if osp.isfile(cell.train_done_file):
            ckpt = json.load(open(cell.train_done_file)).get('checkpoint')
            if not (ckpt and osp.isfile(ckpt)):
                ckpt = None
        if ckpt is None:
            self._line(f'{title} ...')
            start = time.perf_counter()
            rc = self._execute(cell.key + ' train', cell.train_argv, cell.train_log)
            took = time.perf_counter() - start
            self.timings[cell.key + ' train'] = took
            ckpt = _last_checkpoint(cell.train_dir) if rc == 0 else None
            if ckpt is None:
                self._line(f'{title} ... FAILED (exit {rc}) in {took:.0f} s; log: '
                           f'{cell.train_log}: {self._tail(cell.train_log, 1)}')
                self.step += 1
                return self._fail_cell(cell, 'train', cell.train_log, self._tail(cell.train_log))
            _write_json(cell.train_done_file, dict(
                checkpoint=ckpt, seconds=round(took, 1),
                command=format_command(cell.train_argv, self.plan.env)))
            self._line(f'{title} ... done in {took:.0f} s')
        else:
            self._line(f'{title} ... training already done (skipped)')
        self.step += 1
        argv = [ckpt if a == '{checkpoint}' else a for a in cell.test_argv]
        ttitle = f'test {cell.init}-{cell.setup} b{cell.budget} seed {cell.seed}'
        self._line(f'{ttitle} ...')
        start = time.perf_counter()
        rc = self._execute(cell.key + ' test', argv, cell.test_log)
        took = time.perf_counter() - start
        self.timings[cell.key + ' test'] = took
        if rc != 0 or not osp.isfile(cell.metrics_file):
            self._line(f'{ttitle} ... FAILED (exit {rc}) in {took:.0f} s; log: '
                       f'{cell.test_log}: {self._tail(cell.test_log, 1)}')
            return self._fail_cell(cell, 'test', cell.test_log, self._tail(cell.test_log))
        _write_json(osp.join(cell.work_dir, 'cell.json'), dict(
            cell=cell.key, dataset=cell.dataset, init=cell.init, setup=cell.setup,
            budget=cell.budget, seed=cell.seed, config=cell.config, checkpoint=ckpt,
            train_command=format_command(cell.train_argv, self.plan.env),
            test_command=format_command(argv, self.plan.env)))
        m = json.load(open(cell.metrics_file))
        self._line(f'{ttitle} ... done in {took:.0f} s: mIoU7 {m.get("mIoU7_dataset", 0):.2f} '
                   f'(dataset) {m.get("mIoU7_per_image", 0):.2f} (per image), '
                   f'aAcc {m.get("aAcc", 0):.2f}')
        return 'done'

    def run(self) -> Dict[str, str]:
        """Run every stage and cell; return cell key -> 'done' | 'failed'."""
        os.makedirs(self.plan.work_dir, exist_ok=True)
        _write_json(osp.join(self.plan.work_dir, 'spec.json'),
                    {k: v for k, v in copy.deepcopy(self.plan.spec).items()
                     if not k.startswith('_')})
        for stage in self.plan.stages:
            self.run_stage(stage)
        return {cell.key: self.run_cell(cell) for cell in self.plan.cells}
