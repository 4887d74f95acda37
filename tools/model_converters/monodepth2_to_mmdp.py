"""Convert a Monodepth2 weights folder to mmdepthpretrain checkpoints.

Examples:
    python tools/model_converters/monodepth2_to_mmdp.py models/mono_640x192 \
        checkpoints/monodepth2_mono_640x192.pth                       # depth model
    python tools/model_converters/monodepth2_to_mmdp.py models/mono_640x192 \
        checkpoints/monodepth2_r18_seg-full.pth --mode seg-full
    python tools/model_converters/monodepth2_to_mmdp.py models/mono_640x192 \
        checkpoints/monodepth2_r18_seg-encoder.pth --mode seg-encoder

The folder holds ``encoder.pth`` and ``depth.pth`` (and ``pose_encoder.pth``, ``pose.pth``).
``depth`` writes a SelfSupDepthEstimator state dict (encoder, decoder, pose branch);
``seg-full`` the encoder and shared decoder of a segmentation network; ``seg-encoder`` the
encoder only. Monodepth2 normalises inside its encoder with (x - 0.45) / 0.225: use
mean=[114.75] * 3, std=[57.375] * 3 in the data preprocessor with these weights.
"""
import argparse
import sys

from mmdepthpretrain.converters import (
    check_destination,
    find_monodepth2_files,
    load_source,
    monodepth2_to_ours,
    pretrain_to_seg,
)
from mmdepthpretrain.converters.cli import add_common_args, finish, one_line_errors, protected_files
from mmdepthpretrain.converters.monodepth2 import MONODEPTH2_FILES

PROG = 'monodepth2_to_mmdp.py'
MODES = ('depth', 'seg-full', 'seg-encoder')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split('\n')[0])
    parser.add_argument('folder', help='Monodepth2 weights folder (encoder.pth, depth.pth, '
                        'pose_encoder.pth, pose.pth)')
    parser.add_argument('dst', help='output file (.pth, or .safetensors)')
    parser.add_argument('--mode', choices=MODES, default='depth',
                        help='depth: depth model with pose branch; seg-full: encoder + '
                        'decoder; seg-encoder: encoder only (default: depth)')
    add_common_args(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    with one_line_errors(PROG):
        files = find_monodepth2_files(args.folder)
        inputs = list(files.values()) + protected_files(args.folder,
                                                        MONODEPTH2_FILES.values())
        check_destination(args.dst, inputs, args.overwrite)
        if args.mode != 'seg-encoder' and 'depth' not in files:
            raise FileNotFoundError(f'{args.folder} has no depth.pth, which mode {args.mode} '
                                    'needs (use --mode seg-encoder for the encoder alone)')
        use = ['encoder'] if args.mode == 'seg-encoder' else (
            ['encoder', 'depth'] if args.mode == 'seg-full' else list(files))
        loaded = {role: load_source(files[role]) for role in use if role in files}
        state, report = monodepth2_to_ours(
            loaded['encoder'], loaded.get('depth'), loaded.get('pose_encoder'),
            loaded.get('pose'))
        report.sources = [files[r] for r in use if r in files]
        if args.mode != 'depth':
            state, later = pretrain_to_seg(state, mode=args.mode[len('seg-'):])
            report = report.then(later)
            report.converter = 'monodepth2'
            report.mode = args.mode
        return finish(state, report, args.dst, inputs, args)


if __name__ == '__main__':
    sys.exit(main())
