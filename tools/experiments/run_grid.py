"""Run a declarative experiment grid and write its table, curves and qualitative figure.

The grid (a YAML spec, see configs/experiments/) lists pre-training stages, and
initialisation x setup x label budget x seed x dataset fine-tuning cells. Every command
is an ordinary tool run (tools/train.py, tools/model_converters/pretrain_to_seg.py,
tools/test.py --out) from the repository root, recorded in <work-dir>/commands.log and in
results.json. Finished cells are skipped when the grid runs again (an interrupted grid
resumes); a failing cell is reported as failed with its log path and the others go on.

Outputs in <work-dir>: results.md, results.csv, results.json, curves.png,
qualitative.png, commands.log, and one folder per stage and cell (logs, checkpoints).

Examples:
    python tools/experiments/run_grid.py configs/experiments/demo_synthetic.yaml \\
        --work-dir work_dirs/demo
    python tools/experiments/run_grid.py configs/experiments/kitti_r18.yaml \\
        --work-dir work_dirs/kitti_grid --set finetune.seeds=[0,1,2,3]
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


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split('\n')[0])
    parser.add_argument('spec', help='grid spec (YAML)')
    parser.add_argument('--work-dir', help='output folder (default: work_dirs/<spec name>)')
    parser.add_argument('--set', nargs='+', default=[], metavar='KEY=VALUE',
                        help='override spec entries, e.g. finetune.seeds=[0,1] '
                        'finetune.iters=100 (values parsed as YAML)')
    parser.add_argument('--report-only', action='store_true',
                        help='only (re)write the table and figures from finished cells')
    parser.add_argument('--no-qualitative', action='store_true',
                        help='skip the qualitative figure (no inference)')
    parser.add_argument('--quiet', action='store_true',
                        help='status lines only (iteration logs stay in the log files)')
    return parser.parse_args(argv)


def apply_overrides(spec: dict, items) -> dict:
    """Set nested spec keys from ``a.b.c=value`` strings (values parsed as YAML)."""
    import yaml

    for item in items:
        if '=' not in item:
            raise ValueError(f'--set expects KEY=VALUE, got {item!r}')
        key, value = item.split('=', 1)
        node = spec
        parts = key.split('.')
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ValueError(f'--set {key}: {part} is not a mapping in the spec')
        node[parts[-1]] = yaml.safe_load(value)
    return spec


def write_report(plan, print_fn=print, qualitative: bool = True) -> dict:
    """Table, curves and qualitative figure of a plan's cells (whatever finished)."""
    from mmdepthpretrain.experiments import (
        collect_results,
        plot_curves,
        qualitative_figure,
        write_tables,
    )

    report = plan.spec.get('report') or {}
    records = collect_results(plan.cells)
    paths = write_tables(plan.work_dir, records, report.get('caption', ''))
    curves = plot_curves(records, osp.join(plan.work_dir, 'curves.png'),
                         title=report.get('title'))
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
        qualitative=True, quiet=False, print_fn=None) -> dict:
    """Run (or report) a grid; returns the output paths and cell statuses."""
    from mmdepthpretrain.experiments import GridRunner, load_spec, plan_grid

    def say(text):
        (print_fn or (lambda s: print(s, flush=True)))(text)

    spec = apply_overrides(load_spec(spec_path), overrides)
    work_dir = work_dir or osp.join('work_dirs', spec['name'])
    plan = plan_grid(spec, work_dir)
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
        out = run(args.spec, args.work_dir, args.set, args.report_only,
                  not args.no_qualitative, args.quiet)
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
