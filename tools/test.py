"""Test a checkpoint with a config through mmengine's Runner and print its metrics.

The Runner gets the host adaptations of :mod:`mmdepthpretrain.compat` (safe checkpoint
loading that names truncated and corrupt files, CPU distributed). Input errors are one
line (see ``_cli.py``; ``MMDEPTHPRETRAIN_DEBUG=1`` keeps the traceback).

Examples:
    python tools/test.py CONFIG CHECKPOINT
    tools/dist_test.sh CONFIG CHECKPOINT 8
"""
from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from _cli import (  # noqa: E402
    CFG_OPTIONS_HELP,
    EPILOG,
    REPO_ROOT,
    CLIError,
    load_config,
    one_line_errors,
)


def parse_args(argv=None):
    from mmengine.config import DictAction

    parser = argparse.ArgumentParser(description='Test a model (mmdepthpretrain plugin)',
                                     epilog=EPILOG)
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help="checkpoint file, or 'none' to evaluate the "
                        'untrained (initialised) model')
    parser.add_argument('--work-dir', help='where logs and metrics go '
                        '(default: work_dirs/<config name>)')
    parser.add_argument('--out', help='also write the metrics as JSON to this file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help=CFG_OPTIONS_HELP)
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def format_metrics(metrics: dict) -> str:
    width = max((len(k) for k in metrics), default=0)
    lines = []
    for key, value in metrics.items():
        text = f'{value:.4f}' if isinstance(value, float) else str(value)
        lines.append(f'{key:<{width}}  {text}')
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    with one_line_errors('test.py'):
        cfg = load_config(args.config, args.cfg_options)
        untrained = args.checkpoint == 'none'
        if not untrained and not osp.isfile(args.checkpoint):
            raise CLIError(f'checkpoint not found: {args.checkpoint}')
        cfg.launcher = args.launcher
        if args.work_dir is not None:
            cfg.work_dir = args.work_dir
        elif cfg.get('work_dir') is None:
            name = osp.splitext(osp.basename(args.config))[0]
            cfg.work_dir = osp.join(REPO_ROOT, 'work_dirs', name)
        cfg.load_from = None if untrained else args.checkpoint
        cfg.resume = False

        from mmengine.dist import is_main_process

        from mmdepthpretrain.compat import build_runner, teardown_distributed
        runner = build_runner(cfg)  # safe loading, portable checkpoints, CPU distributed
        if untrained:
            runner.model.init_weights()  # what training would start from
        metrics = runner.test()
        teardown_distributed()
        if is_main_process():
            metrics = {k: (float(v) if hasattr(v, '__float__') else v)
                       for k, v in (metrics or {}).items()}
            print(format_metrics(metrics))
            if args.out:
                tmp = args.out + '.tmp'
                os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
                with open(tmp, 'w') as f:
                    json.dump(metrics, f, indent=2)
                os.replace(tmp, args.out)


if __name__ == '__main__':
    main()
