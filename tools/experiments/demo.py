"""The one-command demo: the paper's comparison on the embedded synthetic world.

Generates the synthetic world when absent, pre-trains self-supervised depth and optical
flow, converts them, fine-tunes segmentation on 16 labelled images from random, depth and
flow initialisations (3 seeds), tests, and writes under the work dir: results.md,
results.csv, results.json, curves.png, qualitative.png and commands.log. Each stage prints
a status line; mmengine's iteration lines (with ETA) stream below it, and every command's
full output is in the log named in its status line. Running it again skips what finished.

Examples:
    python tools/experiments/demo.py                      # ~61 min on 2 CPU cores
    python tools/experiments/demo.py --quick              # ~3-4 min smoke run
    python tools/experiments/demo.py --work-dir work_dirs/demo --data-root data/synthetic
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import signal
import sys
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools', 'experiments'))
SPECS = dict(full=osp.join(REPO, 'configs', 'experiments', 'demo_synthetic.yaml'),
             quick=osp.join(REPO, 'configs', 'experiments', 'demo_synthetic_quick.yaml'))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog='demo.py', description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true',
                        help='tiny world, few iterations, one seed (a smoke run)')
    parser.add_argument('--work-dir', help='outputs (default: work_dirs/demo, or '
                        'work_dirs/demo_quick with --quick)')
    parser.add_argument('--data-root', help='synthetic world root (default: data/synthetic, '
                        'or data/synthetic_quick with --quick); generated when absent')
    parser.add_argument('--seeds', type=int, help='number of fine-tuning seeds')
    parser.add_argument('--set', nargs='+', default=[], metavar='KEY=VALUE',
                        help='further spec overrides (see run_grid.py)')
    parser.add_argument('--quiet', action='store_true', help='status lines only')
    return parser.parse_args(argv)


def _stop_children_on_sigterm():
    """Turn SIGTERM into KeyboardInterrupt, so the running command is stopped too."""
    def handler(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, handler)


def _print_times(results_json):
    """Each pre-training's time and final validation, and the fine-tuning times, from
    results.json (where they are recorded)."""
    import json

    if not results_json or not osp.isfile(results_json):
        return
    with open(results_json) as f:
        data = json.load(f)
    for key, stage in (data.get('pretraining') or {}).items():
        final = ', '.join(f'{k} {v:.3f}' for k, v in (stage.get('final') or {}).items())
        stop = (f', stopped early at {stage["stopped_early"]}' if stage.get('stopped_early')
                else '')
        secs = stage.get('seconds')
        print(f'[demo] pre-training {key}: {secs if secs is not None else "?"} s; '
              f'validation of the checkpoint handed on @{stage.get("final_iteration")}: '
              f'{final or "-"}{stop}')
    cells = (data.get('timings') or {}).get('cells') or {}
    train = [c['train'] for c in cells.values() if c.get('train')]
    test = [c['test'] for c in cells.values() if c.get('test')]
    if train:
        print(f'[demo] fine-tuning: {len(train)} runs, {sum(train) / len(train):.0f} s each '
              f'on average (+{sum(test) / max(len(test), 1):.0f} s testing); per run in '
              f'results.json (timings)')


def main(argv=None):
    args = parse_args(argv)
    _stop_children_on_sigterm()
    start = time.perf_counter()
    os.chdir(REPO)
    from run_grid import run

    from mmdepthpretrain.experiments import GridSpecError

    mode = 'quick' if args.quick else 'full'
    work_dir = args.work_dir or osp.join('work_dirs', 'demo_quick' if args.quick else 'demo')
    overrides = list(args.set)
    if args.data_root:
        overrides.append(f'datasets.synthetic.data_root={args.data_root}')
    if args.seeds:
        overrides.append(f'finetune.seeds=[{",".join(str(s) for s in range(args.seeds))}]')
    print(f'[demo] {mode} demo -> {work_dir} (spec {osp.relpath(SPECS[mode], REPO)})',
          flush=True)
    try:
        out = run(SPECS[mode], work_dir, overrides, quiet=args.quiet)
    except (GridSpecError, ValueError) as exc:
        print(f'demo.py: error: {exc}', file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print('\ndemo.py: interrupted; run the same command again to resume', file=sys.stderr)
        return 130
    table = out['paths'].get('md')
    if table and osp.isfile(table):
        print('\n' + open(table).read())
    took = time.perf_counter() - start
    _print_times(out['paths'].get('json'))
    print(f'[demo] total runtime {took / 60:.1f} min ({took:.0f} s)', flush=True)
    return 1 if any(v != 'done' for v in out['statuses'].values()) else 0


if __name__ == '__main__':
    sys.exit(main())
