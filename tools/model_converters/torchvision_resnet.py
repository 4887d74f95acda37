"""Convert a torchvision ImageNet ResNet state dict to an encoder initialisation.

Examples:
    python tools/model_converters/torchvision_resnet.py resnet18-f37072fd.pth \
        checkpoints/imagenet_r18_encoder.pth
    python tools/model_converters/torchvision_resnet.py resnet18-f37072fd.pth \
        checkpoints/imagenet_r18_pose.pth --num-input-images 2 --prefix pose_encoder.

The output holds ``backbone.*`` keys (``--prefix``); the ImageNet classifier ``fc`` is
dropped. With ``--num-input-images N`` the first convolution is repeated over N
channel-stacked frames and divided by N (pose encoders).
"""
import argparse
import sys

from mmdepthpretrain.converters import check_destination, load_source, torchvision_resnet_to_encoder
from mmdepthpretrain.converters.cli import add_common_args, finish, one_line_errors, require_file

PROG = 'torchvision_resnet.py'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split('\n')[0])
    parser.add_argument('src', help='torchvision ResNet state dict (.pth or .safetensors)')
    parser.add_argument('dst', help='output file (.pth, or .safetensors)')
    parser.add_argument('--num-input-images', type=int, default=1,
                        help='frames stacked along channels (2 for a pose encoder)')
    parser.add_argument('--prefix', default='backbone.',
                        help="prefix of the output keys (default: 'backbone.')")
    add_common_args(parser)
    args = parser.parse_args(argv)
    if args.num_input_images < 1:
        parser.error('--num-input-images must be >= 1')
    return args


def main(argv=None):
    args = parse_args(argv)
    with one_line_errors(PROG):
        src = require_file(args.src, 'source checkpoint')
        check_destination(args.dst, [src], args.overwrite)
        state, report = torchvision_resnet_to_encoder(
            load_source(src), num_input_images=args.num_input_images, prefix=args.prefix)
        report.sources = [src]
        return finish(state, report, args.dst, [src], args)


if __name__ == '__main__':
    sys.exit(main())
