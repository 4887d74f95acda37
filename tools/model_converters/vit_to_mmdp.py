"""Convert a ViT checkpoint (Depth Anything, DINOv2, DINOv3, MiDaS DPT, Hugging Face).

Examples:
    python tools/model_converters/vit_to_mmdp.py depth_anything_v2_vits.pth \
        pretrain/depth-anything-v2_vit-s_depth.pth                   # depth model
    python tools/model_converters/vit_to_mmdp.py depth_anything_v2_vitl.pth \
        pretrain/depth-anything-v2_vit-l_seg-full.pth --mode seg-full --config CONFIG
    python tools/model_converters/vit_to_mmdp.py dinov2_vitl14_pretrain.pth \
        pretrain/dinov2_vit-l.pth --mode backbone
    python tools/model_converters/vit_to_mmdp.py hf/depth-anything-small-hf \
        pretrain/depth-anything_vit-s_hf.pth                        # a Hugging Face folder

SRC is a file (``.pth``, ``.pt``, ``.bin``, ``.safetensors``) or a Hugging Face model
folder (``config.json`` with ``model.safetensors`` / ``pytorch_model.bin``, or their
sharded index). The format is recognised from the keys (``--format`` forces one).
``backbone`` writes ``backbone.*``; ``depth`` adds the DPT head (``decode_head.*`` of
``DepthAnythingHead``); ``seg-full`` the DPT decoder without its depth output, for
``DepthAnythingSegHead`` (only the classifier starts fresh). The report prints the
``PlainViT`` / head arguments that reproduce the source, including ``pos_interp``.
Licence-restricted weights are only read from the path you give; nothing is downloaded.
"""
import argparse
import os.path as osp
import sys

from mmdepthpretrain.converters import (
    VIT_FORMATS,
    VIT_MODES,
    check_destination,
    vit_to_mmdp,
)
from mmdepthpretrain.converters.cli import add_common_args, finish, one_line_errors, protected_files
from mmdepthpretrain.converters.vit_sources import HF_WEIGHT_FILES, read_vit_source

PROG = 'vit_to_mmdp.py'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split('\n')[0])
    parser.add_argument('src', help='checkpoint file or Hugging Face model folder')
    parser.add_argument('dst', help='output file (.pth, or .safetensors)')
    parser.add_argument('--format', choices=sorted(VIT_FORMATS), default=None,
                        help='source format (default: recognised from the keys)')
    parser.add_argument('--mode', choices=VIT_MODES, default=None,
                        help='backbone: encoder only; depth: encoder + DPT depth head; '
                        'seg-full: encoder + DPT decoder for segmentation (default: depth, '
                        'backbone for sources without a head)')
    add_common_args(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    with one_line_errors(PROG):
        src = osp.expanduser(args.src)
        inputs = [src]
        if osp.isdir(src):
            inputs += protected_files(src, list(HF_WEIGHT_FILES) + ['config.json'])
        check_destination(args.dst, inputs, args.overwrite)
        state, hf_config, files = read_vit_source(src)
        inputs += files
        converted, report = vit_to_mmdp(state, fmt=args.format, mode=args.mode,
                                        hf_config=hf_config, name=osp.basename(src))
        report.sources = files
        return finish(converted, report, args.dst, inputs, args)


if __name__ == '__main__':
    sys.exit(main())
