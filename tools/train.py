"""Train any mmseg/mmdet (or mmdepthpretrain) config with mmengine's Runner.

The Runner gets the host adaptations of :mod:`mmdepthpretrain.compat`: safe checkpoint
loading that names truncated and corrupt files, checkpoints that load without the plugin,
atomic checkpoint writes, a resume that reproduces the uninterrupted run (random state
saved and restored), a stop at the first non-finite loss, CPU distributed. Input errors
are one line (see ``_cli.py``; ``MMDEPTHPRETRAIN_DEBUG=1`` keeps the traceback).

Examples:
    python tools/train.py configs/synthetic/<config>.py
    python tools/train.py CONFIG --resume                 # latest checkpoint in work_dir
    python tools/train.py CONFIG --resume work_dirs/x/iter_100.pth
    python tools/train.py CONFIG --amp --compile          # autocast, torch.compile
    python tools/train.py CONFIG --compile-mode reduce-overhead   # compiled, CUDA graphs
    tools/dist_train.sh CONFIG 8                          # torchrun, NCCL or gloo on CPU
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from _cli import (  # noqa: E402
    CFG_OPTIONS_HELP,
    EPILOG,
    REPO_ROOT,
    CLIError,
    check_input_files,
    load_config,
    one_line_errors,
)

COMPILE_MODES = ('default', 'reduce-overhead', 'max-autotune', 'max-autotune-no-cudagraphs')


def parse_args(argv=None):
    from mmengine.config import DictAction

    parser = argparse.ArgumentParser(description='Train a model (mmdepthpretrain plugin)',
                                     epilog=EPILOG)
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='where logs and checkpoints go '
                        '(default: work_dirs/<config name>)')
    parser.add_argument('--resume', nargs='?', type=str, const='auto',
                        help='resume from the latest checkpoint in the work_dir (the newest '
                        'iter_N.pth when last_checkpoint is damaged), or from the given '
                        'checkpoint; with a seed the run continues exactly as if '
                        'uninterrupted')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision (bf16 on CPU)')
    parser.add_argument('--compile', action='store_true',
                        help="torch.compile the training step (mmengine's compile=True); "
                        'without a working compiler the run goes on eagerly with a warning')
    parser.add_argument('--compile-mode', choices=COMPILE_MODES,
                        help="torch.compile's mode (implies --compile); reduce-overhead "
                        'records CUDA graphs')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help=CFG_OPTIONS_HELP)
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def build_cfg(args):
    cfg = load_config(args.config, args.cfg_options)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        name = osp.splitext(osp.basename(args.config))[0]
        cfg.work_dir = osp.join(REPO_ROOT, 'work_dirs', name)

    if args.amp:
        import torch
        optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if optim_wrapper not in ('OptimWrapper', 'AmpOptimWrapper', 'AutocastOptimWrapper'):
            raise CLIError(f'--amp needs optim_wrapper.type OptimWrapper, got {optim_wrapper}')
        if torch.cuda.is_available():
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
        else:  # mmengine's AmpOptimWrapper needs an accelerator
            cfg.optim_wrapper.type = 'AutocastOptimWrapper'
            cfg.optim_wrapper.setdefault('dtype', 'bfloat16')

    if args.compile_mode is not None:
        cfg.compile = dict(mode=args.compile_mode)
    elif args.compile:
        cfg.compile = True

    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise CLIError(f'--resume: checkpoint not found: {args.resume}')
        cfg.resume = True
        cfg.load_from = args.resume
    check_input_files(cfg)
    return cfg


def main(argv=None):
    args = parse_args(argv)
    with one_line_errors('train.py'):
        cfg = build_cfg(args)
        from mmdepthpretrain.compat import build_runner, teardown_distributed
        runner = build_runner(cfg)  # see the module docstring
        try:
            runner.train()
        except FloatingPointError as exc:
            if str(exc).startswith('iteration '):
                raise
            last = runner.message_hub.get_info('last_ckpt')
            raise FloatingPointError(f'iteration {runner.iter + 1}: {exc}' + (
                f' (last checkpoint: {last})' if last else '')) from exc
        teardown_distributed()


if __name__ == '__main__':
    main()
