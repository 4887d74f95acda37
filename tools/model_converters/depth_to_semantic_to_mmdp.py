"""Convert the paper's DepthToSemantic checkpoint files to mmdepthpretrain checkpoints.

Examples:
    python tools/model_converters/depth_to_semantic_to_mmdp.py trained_models/kitti_r18 \
        checkpoints/d2s_r18_depth.pth                          # latest step, depth model
    python tools/model_converters/depth_to_semantic_to_mmdp.py trained_models/kitti_r18 \
        checkpoints/d2s_r18_seg-full.pth --step 40000 --mode seg-full

The folder holds ``encoder-{step}.pth``, ``decoder_depth-{step}.pth``,
``decoder_pose-{step}.pth`` (``decoder_flow-{step}.pth`` for the optical-flow model).
``depth`` writes our pre-training model's keys (shared-encoder pose branch), ``seg-full``
the encoder and shared decoder, ``seg-encoder`` the encoder only. The encoder normalises
inside the network with (x - 0.45) / 0.225: use mean=[114.75] * 3, std=[57.375] * 3.
"""
import argparse
import glob
import os.path as osp
import sys

from mmdepthpretrain.converters import (
    ConversionError,
    check_destination,
    depth_to_semantic_to_ours,
    find_depth_to_semantic_files,
    load_source,
    pretrain_to_seg,
)
from mmdepthpretrain.converters.cli import add_common_args, finish, one_line_errors

PROG = 'depth_to_semantic_to_mmdp.py'
MODES = ('depth', 'seg-full', 'seg-encoder')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split('\n')[0])
    parser.add_argument('folder', help='DepthToSemantic checkpoint folder')
    parser.add_argument('dst', help='output file (.pth, or .safetensors)')
    parser.add_argument('--step', type=int, help='training step (default: the latest)')
    parser.add_argument('--mode', choices=MODES, default='depth',
                        help='depth: pre-training model; seg-full: encoder + decoder; '
                        'seg-encoder: encoder only (default: depth)')
    add_common_args(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    with one_line_errors(PROG):
        step, files = find_depth_to_semantic_files(args.folder, args.step)
        inputs = glob.glob(osp.join(args.folder, '*.pth'))
        check_destination(args.dst, inputs, args.overwrite)
        if args.mode == 'seg-full' and 'decoder_depth' not in files:
            what = 'a flow decoder' if 'decoder_flow' in files else 'no depth decoder'
            raise ConversionError(f'{args.folder} step {step} has {what}; seg-full needs '
                                  f'decoder_depth-{step}.pth (use --mode seg-encoder)')
        use = ['encoder'] if args.mode == 'seg-encoder' else (
            ['encoder', 'decoder_depth'] if args.mode == 'seg-full' else list(files))
        loaded = {role: load_source(files[role]) for role in use if role in files}
        state, report = depth_to_semantic_to_ours(
            loaded['encoder'], loaded.get('decoder_depth'), loaded.get('decoder_pose'),
            loaded.get('decoder_flow'))
        report.sources = [files[r] for r in use if r in files]
        report.info['step'] = step
        if args.mode != 'depth':
            state, later = pretrain_to_seg(state, mode=args.mode[len('seg-'):])
            report = report.then(later)
            report.converter = 'depth_to_semantic'
            report.mode = args.mode
        return finish(state, report, args.dst, inputs, args)


if __name__ == '__main__':
    sys.exit(main())
