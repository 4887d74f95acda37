"""Running a grid plan: one subprocess per command, finished work skipped, commands kept.

Every command runs from the plan's root as a subprocess; its exact text goes to
``<work_dir>/commands.log`` and into the cell's ``cell.json``. A fine-tuning cell is
finished when its ``metrics.json`` exists (written atomically by the test entry point); a
pre-training stage when its ``done.json`` names its checkpoint. Finished cells and stages
are skipped when the grid runs again, so an interrupted grid resumes where it stopped. A
failing command marks its cell failed (``failed.json`` with the log path) and the grid
goes on with the other cells. A pre-training stage given a checkpoint (the spec's
``checkpoint:``, ``--use-checkpoint``) is finished with it and not trained.
"""
from __future__ import annotations

import copy
import glob
import json
import os
import os.path as osp
import re
import subprocess
import threading
import time
from typing import Callable, Dict, List, Optional

from .plan import FinetuneCell, GridPlan, Stage, format_command
from .pretraining import checkpoint_iteration

__all__ = ['GridRunner', 'atomic_write_text', 'write_json', 'last_checkpoint', 'best_checkpoint']

# The folder holding this package: put on the commands' PYTHONPATH so that they import
# the same mmdepthpretrain as the grid.
PACKAGE_PARENT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ECHO = re.compile(r'Iter\((train|val|test)\)|Error|error:')


def atomic_write_text(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = f'{path}.tmp{os.getpid()}'
    with open(tmp, 'w') as f:
        f.write(text)
    os.replace(tmp, path)


def write_json(path: str, obj) -> None:
    """Write ``obj`` as indented JSON, atomically."""
    atomic_write_text(path, json.dumps(obj, indent=2) + '\n')


def last_checkpoint(train_dir: str) -> Optional[str]:
    """The checkpoint mmengine's ``last_checkpoint`` file in ``train_dir`` names, if any."""
    marker = osp.join(train_dir, 'last_checkpoint')
    if osp.isfile(marker):
        ckpt = open(marker).read().strip()
        if ckpt and not osp.isabs(ckpt):
            ckpt = osp.join(train_dir, ckpt)
        if ckpt and osp.isfile(ckpt):
            return ckpt
    return None


def best_checkpoint(train_dir: str) -> Optional[str]:
    """The checkpoint of the best validation (mmengine's ``save_best``:
    ``best_<metric>_iter_<n>.pth``) in ``train_dir``, if any; the newest if several."""
    found = glob.glob(osp.join(train_dir, 'best_*iter_*.pth'))
    return max(found, key=lambda p: checkpoint_iteration(p) or 0) if found else None


def _read_json(path: str) -> dict:
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


class GridRunner:
    """Runs a :class:`GridPlan`: skips what is finished, records commands, goes on on failure.

    Args:
        plan (GridPlan): What to run (commands run from ``plan.root``).
        echo (bool): Stream mmengine's iteration lines (with ETA) of every command to the
            terminal, below the stage's status line; everything else goes to the stage's
            log file only. Defaults to True.
        print_fn (callable): Where status lines go. Defaults to ``print`` (flushed).
    """

    def __init__(self, plan: GridPlan, echo: bool = True,
                 print_fn: Optional[Callable[[str], None]] = None) -> None:
        self.plan = plan
        self.echo = echo
        self.print = print_fn or (lambda s: print(s, flush=True))
        self.commands_log = osp.join(plan.work_dir, 'commands.log')
        self.status: Dict[str, str] = {}  # stage key -> 'done' | 'failed'
        self.failures: Dict[str, str] = {}  # stage key -> log path
        self.step = 0
        self.total = len(plan.stages) + 2 * len(plan.cells)
        self.timings: Dict[str, float] = {}
        self.started = ''

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
        """Run a command from the plan's root; iteration lines echoed."""
        os.makedirs(osp.dirname(log_file), exist_ok=True)
        env = dict(os.environ, **self.plan.env)
        env['PYTHONPATH'] = PACKAGE_PARENT + os.pathsep + env.get('PYTHONPATH', '')
        env.setdefault('PYTHONUNBUFFERED', '1')
        with open(log_file, 'w') as log:
            log.write(f'$ {format_command(argv, self.plan.env)}\n')
            log.flush()
            proc = subprocess.Popen(argv, cwd=self.plan.root, env=env, stdout=subprocess.PIPE,
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
            return bool(_read_json(stage.done_file).get('complete', True))
        return True

    def _fail_stage(self, stage: Stage, text: str) -> str:
        self.status[stage.key] = 'failed'
        self.failures[stage.key] = stage.log_file
        self._line(f'{stage.title} ... {text}')
        return 'failed'

    def _use_given_checkpoint(self, stage: Stage) -> str:
        """Finish a pre-training stage with its given checkpoint instead of training."""
        ckpt = stage.checkpoint
        if ckpt == 'last':
            ckpt = last_checkpoint(stage.outputs['work_dir'])
            if ckpt is None:
                return self._fail_stage(stage, f'FAILED: checkpoint \'last\' given, but '
                                        f'{stage.outputs["work_dir"]} has no last_checkpoint')
        previous = _read_json(stage.done_file).get('checkpoint')
        self.status[stage.key] = 'done'
        if previous == ckpt:
            self._line(f'{stage.title} ... already done with {ckpt} (skipped)')
            return 'done'
        write_json(stage.done_file, dict(checkpoint=ckpt, given=True, replaced=previous))
        self._line(f'{stage.title} ... using the given checkpoint {ckpt} (not trained)')
        if previous:  # conversions of the earlier checkpoint are redone
            convs = [s for s in self.plan.stages if s.kind == 'convert'
                     and s.depends == [stage.key]]
            for conv in convs:
                if osp.isfile(conv.done_file):
                    os.remove(conv.done_file)
            keys = {c.key for c in convs}
            stale = [c for c in self.plan.cells
                     if keys & set(c.depends) and osp.isfile(c.metrics_file)]
            if stale:
                self.print(f'    | {len(stale)} finished fine-tuning cell(s) started from the '
                           f'earlier checkpoint {previous}; delete their folders to redo them')
        return 'done'

    def run_stage(self, stage: Stage) -> str:
        """Run one stage unless it is finished; returns 'done' or 'failed'."""
        self.step += 1
        if stage.checkpoint:
            return self._use_given_checkpoint(stage)
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
        for file, text in stage.files.items():
            atomic_write_text(file, text)
        self._line(f'{stage.title} ...')
        start = time.perf_counter()
        rc = self._execute(stage.key, argv, stage.log_file)
        took = time.perf_counter() - start
        self.timings[stage.key] = took
        if rc == 0 and stage.kind == 'pretrain':
            made = stage.outputs.get('checkpoint')  # written by a 'make' script
            if made:
                last = ckpt = made if osp.isfile(made) else None
            else:  # an early-stopped stage hands on its best validation's checkpoint
                last = last_checkpoint(stage.outputs['work_dir'])
                ckpt = (best_checkpoint(stage.outputs['work_dir']) or last) if last else None
            if ckpt is None:
                rc = -1
            else:
                done = dict(checkpoint=ckpt, seconds=round(took, 1),
                            command=format_command(argv, self.plan.env))
                stop = checkpoint_iteration(last)
                if stage.iters and stop is not None and stop < stage.iters:
                    done['stopped_early'] = stop  # the early-stopping hook ended it
                if ckpt != last:
                    done['last_checkpoint'] = last
                write_json(stage.done_file, done)
        if rc == 0 and not self._stage_done(stage):
            rc = -1
        if rc != 0:
            return self._fail_stage(stage, f'FAILED (exit {rc}) in {took:.0f} s; log: '
                                    f'{stage.log_file}: {self._tail(stage.log_file, 1)}')
        self.status[stage.key] = 'done'
        self._line(f'{stage.title} ... done in {took:.0f} s')
        return 'done'

    def _pretrain_checkpoint(self, key: str) -> str:
        return _read_json(self.plan.stage(key).done_file)['checkpoint']

    # -- cells ------------------------------------------------------------------------
    def _fail_cell(self, cell: FinetuneCell, stage: str, log: str, reason: str) -> str:
        write_json(cell.failed_file, dict(cell=cell.key, stage=stage, log=log, reason=reason,
                                          time=time.strftime('%Y-%m-%d %H:%M:%S')))
        return 'failed'

    def _metrics_text(self, metrics: dict) -> str:
        pairs = self.plan.metrics or [(k, k) for k, v in metrics.items()
                                      if isinstance(v, (int, float))][:4]
        decimals = int((self.plan.spec.get('report') or {}).get('decimals', 2))
        return ', '.join(f'{title} {float(metrics.get(key, 0)):.{decimals}f}'
                         for key, title in pairs)

    def run_cell(self, cell: FinetuneCell) -> str:
        """Fine-tune and test one cell unless it is finished; returns 'done' or 'failed'."""
        labels = f'b{cell.budget}' if cell.budget else 'all labels'
        title = f'fine-tune {cell.init}-{cell.setup} {labels} seed {cell.seed}'
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
        ckpt = _read_json(cell.train_done_file).get('checkpoint')
        if not (ckpt and osp.isfile(ckpt)):
            ckpt = None
        if ckpt is None:
            self._line(f'{title} ...')
            start = time.perf_counter()
            rc = self._execute(cell.key + ' train', cell.train_argv, cell.train_log)
            took = time.perf_counter() - start
            self.timings[cell.key + ' train'] = took
            ckpt = last_checkpoint(cell.train_dir) if rc == 0 else None
            if ckpt is None:
                self._line(f'{title} ... FAILED (exit {rc}) in {took:.0f} s; log: '
                           f'{cell.train_log}: {self._tail(cell.train_log, 1)}')
                self.step += 1
                return self._fail_cell(cell, 'train', cell.train_log, self._tail(cell.train_log))
            write_json(cell.train_done_file, dict(
                checkpoint=ckpt, seconds=round(took, 1),
                command=format_command(cell.train_argv, self.plan.env)))
            self._line(f'{title} ... done in {took:.0f} s')
        else:
            self._line(f'{title} ... training already done (skipped)')
        self.step += 1
        argv = [ckpt if a == '{checkpoint}' else a for a in cell.test_argv]
        ttitle = f'test {cell.init}-{cell.setup} {labels} seed {cell.seed}'
        self._line(f'{ttitle} ...')
        start = time.perf_counter()
        rc = self._execute(cell.key + ' test', argv, cell.test_log)
        took = time.perf_counter() - start
        self.timings[cell.key + ' test'] = took
        if rc != 0 or not osp.isfile(cell.metrics_file):
            self._line(f'{ttitle} ... FAILED (exit {rc}) in {took:.0f} s; log: '
                       f'{cell.test_log}: {self._tail(cell.test_log, 1)}')
            return self._fail_cell(cell, 'test', cell.test_log, self._tail(cell.test_log))
        write_json(cell.info_file, dict(
            cell=cell.key, dataset=cell.dataset, init=cell.init, setup=cell.setup,
            budget=cell.budget, seed=cell.seed, config=cell.config, checkpoint=ckpt,
            train_seconds=_read_json(cell.train_done_file).get('seconds'),
            test_seconds=round(took, 1),
            train_command=format_command(cell.train_argv, self.plan.env),
            test_command=format_command(argv, self.plan.env)))
        metrics = _read_json(cell.metrics_file)
        self._line(f'{ttitle} ... done in {took:.0f} s: {self._metrics_text(metrics)}')
        return 'done'

    def write_timings(self, seconds: float) -> str:
        """Add this pass (its wall time and the seconds of each command it ran) to
        ``<work_dir>/timings.json``; returns the path."""
        path = osp.join(self.plan.work_dir, 'timings.json')
        timings = _read_json(path)
        commands = timings.get('commands') or {}
        commands.update({k: round(v, 1) for k, v in self.timings.items()})
        passes = list(timings.get('passes') or [])
        passes.append(dict(started=self.started, seconds=round(seconds, 1),
                           commands_run=len(self.timings)))
        write_json(path, dict(total_seconds=round(sum(p['seconds'] for p in passes), 1),
                              passes=passes, commands=commands))
        return path

    def run(self) -> Dict[str, str]:
        """Run every stage and cell; return cell key -> 'done' | 'failed'. The wall time
        and each command's time go to ``timings.json`` (also when interrupted)."""
        os.makedirs(self.plan.work_dir, exist_ok=True)
        write_json(osp.join(self.plan.work_dir, 'spec.json'),
                   {k: v for k, v in copy.deepcopy(self.plan.spec).items()
                    if not k.startswith('_')})
        self.started = time.strftime('%Y-%m-%d %H:%M:%S')
        start = time.perf_counter()
        try:
            for stage in self.plan.stages:
                self.run_stage(stage)
            return {cell.key: self.run_cell(cell) for cell in self.plan.cells}
        finally:
            self.write_timings(time.perf_counter() - start)
