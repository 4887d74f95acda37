"""Run a declarative experiment grid and write its table, curves and qualitative figure.

The grid (a YAML spec, see configs/experiments/) lists pre-training stages, and
initialisation x setup x label budget x seed x dataset fine-tuning cells. Every command
is an ordinary run of this checkout's tools (tools/train.py,
tools/model_converters/pretrain_to_seg.py, tools/test.py --out) from the repository root,
recorded in <work-dir>/commands.log and in results.json. Finished cells are skipped when
the grid runs again (an interrupted grid resumes); a failing cell is reported as failed
with its log path and the others go on. The table merges every finished cell of the work
dir, so a run over some seeds adds to (never replaces) the results of earlier runs.

Outputs in <work-dir>: results.md (also printed at the end), results.csv, results.json,
curves.png (its data in curves.json), qualitative.png, commands.log, and one folder per
stage and cell.

--set KEY=VALUE overrides a spec entry; VALUE is YAML, KEY a dotted path of spec keys.
Once KEY reaches a mapping of verbatim keys (env, loader_options, pretrain.NAME.options,
finetune.options, test.options), the rest of KEY, dots included, is one key of it:
  --set pretrain.depth.options.param_scheduler.0.milestones=[15]
sets the option 'param_scheduler.0.milestones' of stage depth;
  --set finetune.options='{param_scheduler.0.end: 50}'
replaces all options of the fine-tuning.

--use-checkpoint STAGE=PATH finishes a pre-training stage with a checkpoint instead of
training it (the spec's pretrain.NAME.checkpoint): STAGE is a name under pretrain:
(every dataset) or pretrain/DATASET/NAME; PATH a checkpoint file, or 'last' for the
newest checkpoint in the stage's folder (a pre-training stopped early, e.g. by Ctrl-C).
The stage's done.json then names that checkpoint; conversions made from another one are
redone (finished fine-tuning cells are kept: delete their folders to redo them), and
later runs keep using it until done.json is deleted.

Examples:
    python tools/experiments/run_grid.py configs/experiments/demo_synthetic.yaml \\
        --work-dir work_dirs/demo
    python tools/experiments/run_grid.py configs/experiments/kitti_r18_paper.yaml \\
        --work-dir work_dirs/kitti_grid --set finetune.seeds=[0,1,2,3]
    python tools/experiments/run_grid.py SPEC --work-dir DIR --use-checkpoint depth=last
    python tools/experiments/run_grid.py SPEC --work-dir DIR --dry-run   # commands only
    python tools/experiments/run_grid.py SPEC --work-dir DIR --report-only
"""
from __future__ import annotations

import argparse
import contextlib
import os
import os.path as osp
import signal
import sys
import time
import warnings

warnings.filterwarnings('ignore', message='pkg_resources is deprecated')
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

PROG = 'run_grid.py'


def checkout_tools(python: str = sys.executable):
    """The entry points of this checkout the grid runs (paths relative to ``REPO``)."""
    from mmdepthpretrain.experiments import GridTools

    return GridTools(python=python, train='tools/train.py', test='tools/test.py',
                     convert='tools/model_converters/pretrain_to_seg.py',
                     world='tools/misc/make_synthetic_world.py',
                     coco='tools/dataset_converters/instances_to_coco.py')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('spec', help='grid spec (YAML)')
    parser.add_argument('--work-dir', help='output folder (default: work_dirs/<spec name>)')
    parser.add_argument('--set', nargs='+', default=[], metavar='KEY=VALUE',
                        help='override spec entries (VALUE parsed as YAML), e.g. '
                        'finetune.seeds=[0,1] finetune.iters=100; inside an options, '
                        'loader_options or env mapping the rest of KEY is one key: '
                        'pretrain.depth.options.param_scheduler.0.milestones=[15]')
    parser.add_argument('--use-checkpoint', nargs='+', default=[], metavar='STAGE=PATH',
                        help='finish pre-training stage STAGE (a name under pretrain:, or '
                        'pretrain/DATASET/NAME) with checkpoint PATH instead of training '
                        "it; PATH 'last': the newest checkpoint in the stage's folder")
    parser.add_argument('--dry-run', action='store_true',
                        help='print the planned commands and exit (runs nothing)')
    parser.add_argument('--report-only', action='store_true',
                        help='only (re)write the table and figures from finished cells')
    parser.add_argument('--no-qualitative', action='store_true',
                        help='skip the qualitative figure (no inference)')
    parser.add_argument('--quiet', action='store_true',
                        help='status lines only (iteration logs stay in the log files)')
    return parser.parse_args(argv)


def make_plan(spec_path: str, work_dir: str = None, overrides=(), checkpoints=(),
              python: str = sys.executable):
    """Read the spec (with ``--set`` and ``--use-checkpoint``) and plan it for this checkout."""
    from mmdepthpretrain.experiments import load_spec, plan_grid

    spec = load_spec(spec_path, overrides, checkpoints)
    work_dir = work_dir or osp.join('work_dirs', spec['name'])
    return plan_grid(spec, work_dir, checkout_tools(python), REPO)


def plan_commands(plan) -> str:
    """The plan as text: every stage and cell with its command, in run order."""
    from mmdepthpretrain.experiments import format_command

    lines = []
    for stage in plan.stages:
        lines.append(f'# {stage.key}' + (f' (given checkpoint {stage.checkpoint})'
                                         if stage.checkpoint else ''))
        lines.append(format_command(stage.argv, plan.env))
    for cell in plan.cells:
        lines.append(f'# {cell.key} train')
        lines.append(format_command(cell.train_argv, plan.env))
        lines.append(f'# {cell.key} test')
        lines.append(format_command(cell.test_argv, plan.env))
    return '\n'.join(lines) + '\n'


def grid_timings(plan, records) -> dict:
    """Seconds of the grid: every pass's wall time (``timings.json``), and per stage and
    cell the time its command took when it ran (from its ``done.json`` / ``cell.json``)."""
    import json

    def load(path):
        try:
            with open(path) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    grid = load(osp.join(plan.work_dir, 'timings.json'))
    stages = {s.key: load(s.done_file).get('seconds') for s in plan.stages
              if s.kind == 'pretrain'}
    cells = {}
    for rec in records:
        info = load(osp.join(rec['work_dir'], 'cell.json'))
        if info:
            cells[f'{rec["dataset"]}/{rec["init"]}-{rec["setup"]}/b{rec["budget"]}/'
                  f'seed{rec["seed"]}'] = dict(train=info.get('train_seconds'),
                                               test=info.get('test_seconds'))
    return dict(total_seconds=grid.get('total_seconds'), passes=grid.get('passes', []),
                commands=grid.get('commands', {}), pretrain=stages, cells=cells)


def write_report(plan, print_fn=print, qualitative: bool = True) -> dict:
    """Table, curves and qualitative figure of every finished cell in the plan's work dir."""
    from mmdepthpretrain.experiments import (
        collect_results,
        metric_pairs,
        plot_curves,
        pretraining_summary,
        qualitative_figure,
        stage_metrics,
        write_tables,
    )

    report = plan.spec.get('report') or {}
    records = collect_results(plan.cells, plan.work_dir)
    metrics = metric_pairs(records, plan.metrics)
    summary = pretraining_summary(plan.work_dir, plan.spec)
    by_init = {}
    for init, init_spec in plan.spec['finetune']['inits'].items():
        stage = (init_spec or {}).get('pretrain')
        if stage:
            by_init[init] = dict(
                titles=stage_metrics(plan.spec['pretrain'][stage]),
                summaries={k.split('/')[0]: v for k, v in summary.items()
                           if k.split('/', 1)[1] == stage})
    timings = grid_timings(plan, records)
    paths = write_tables(plan.work_dir, records, report.get('caption', ''), metrics,
                         reference=report.get('reference', 'random'),
                         confidence=float(report.get('confidence', 0.95)),
                         pretraining=by_init, extra=dict(pretraining=summary, timings=timings),
                         decimals=int(report.get('decimals', 2)))
    curves = None
    if metrics:
        curves = plot_curves(records, osp.join(plan.work_dir, 'curves.png'), metrics[0][0],
                             title=report.get('title'), metric_title=metrics[0][1])
    if curves:
        paths['curves'] = curves
    if qualitative and report.get('qualitative_images', 3) > 0:
        log_file = osp.join(plan.work_dir, 'logs', 'qualitative.log')
        os.makedirs(osp.dirname(log_file), exist_ok=True)
        try:
            with open(log_file, 'w') as log, contextlib.redirect_stdout(log), \
                    contextlib.redirect_stderr(log):
                fig = qualitative_figure(records, osp.join(plan.work_dir, 'qualitative.png'),
                                         num_images=report.get('qualitative_images', 3))
        except Exception as exc:  # noqa: BLE001 - the table matters more than the figure
            print_fn(f'[{plan.name}] qualitative figure failed: {type(exc).__name__}: {exc} '
                     f'(log: {log_file})')
            fig = None
        if fig:
            paths['qualitative'] = fig
    paths['commands'] = osp.join(plan.work_dir, 'commands.log')
    return paths


def run(spec_path: str, work_dir: str = None, overrides=(), report_only=False,
        qualitative=True, quiet=False, print_fn=None, checkpoints=()) -> dict:
    """Run (or report) a grid; returns the output paths and cell statuses."""
    from mmdepthpretrain.experiments import GridRunner

    def say(text):
        (print_fn or (lambda s: print(s, flush=True)))(text)

    plan = make_plan(spec_path, work_dir, overrides, checkpoints)
    start = time.perf_counter()
    statuses = {}
    if not report_only:
        runner = GridRunner(plan, echo=not quiet, print_fn=say)
        say(f'[{plan.name}] {len(plan.stages)} stages, {len(plan.cells)} fine-tuning cells; '
            f'work dir {plan.work_dir}; commands in {runner.commands_log}; full logs of '
            f'each command next to its outputs')
        statuses = runner.run()
    say(f'[{plan.name}] writing the table and figures ...')
    paths = write_report(plan, say, qualitative)
    failed = [k for k, v in statuses.items() if v != 'done']
    took = time.perf_counter() - start
    for name, path in paths.items():
        say(f'[{plan.name}] {name}: {path}')
    if failed:
        say(f'[{plan.name}] {len(failed)} cell(s) failed: ' + ', '.join(failed) +
            ' (see the Notes column of results.md for the logs)')
    say(f'[{plan.name}] finished in {took:.0f} s')
    return dict(paths=paths, statuses=statuses, seconds=took, plan=plan)


def _stop_children_on_sigterm():
    """Turn SIGTERM into KeyboardInterrupt, so the running command is stopped too."""
    def handler(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, handler)


def main(argv=None):
    args = parse_args(argv)
    _stop_children_on_sigterm()
    from mmdepthpretrain.experiments import GridSpecError

    try:
        if args.dry_run:
            print(plan_commands(make_plan(args.spec, args.work_dir, args.set,
                                          args.use_checkpoint)), end='')
            return 0
        out = run(args.spec, args.work_dir, args.set, args.report_only,
                  not args.no_qualitative, args.quiet, checkpoints=args.use_checkpoint)
        table = out['paths'].get('md')
        if table and osp.isfile(table):
            print('\n' + open(table).read(), flush=True)
    except (GridSpecError, ValueError) as exc:
        print(f'{PROG}: error: {exc}', file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f'\n{PROG}: interrupted; run the same command again to resume from the '
              f'finished cells', file=sys.stderr)
        return 130
    return 1 if any(v != 'done' for v in out['statuses'].values()) else 0


if __name__ == '__main__':
    sys.exit(main())
