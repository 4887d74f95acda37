"""Convert a depth / flow / reconstruction pre-training checkpoint to a segmentation init.

Examples:
    python tools/model_converters/pretrain_to_seg.py work_dirs/depth/iter_20000.pth \
        checkpoints/depth_r18_seg-full.pth --mode full
    python tools/model_converters/pretrain_to_seg.py work_dirs/depth/iter_20000.pth \
        checkpoints/depth_r50_seg-encoder.pth --mode encoder --config CONFIG

``full`` keeps the encoder (``backbone.*``) and the shared decoder
(``decode_head.convs.*``), so only the classifier starts fresh; ``encoder`` keeps the
encoder only. The pose branch and the pre-training output layer are dropped.
"""
import argparse
import sys

from mmdepthpretrain.converters import check_destination, load_source, pretrain_to_seg
from mmdepthpretrain.converters.cli import add_common_args, finish, one_line_errors, require_file

PROG = 'pretrain_to_seg.py'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split('\n')[0])
    parser.add_argument('src', help='pre-training checkpoint (.pth or .safetensors; an '
                        'mmengine checkpoint or a bare state dict)')
    parser.add_argument('dst', help='output file (.pth, or .safetensors)')
    parser.add_argument('--mode', choices=['full', 'encoder'], default='full',
                        help='full: encoder + shared decoder; encoder: encoder only '
                        '(default: full)')
    add_common_args(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    with one_line_errors(PROG):
        src = require_file(args.src, 'source checkpoint')
        check_destination(args.dst, [src], args.overwrite)
        state, report = pretrain_to_seg(load_source(src), mode=args.mode)
        report.sources = [src]
        return finish(state, report, args.dst, [src], args)


if __name__ == '__main__':
    sys.exit(main())
