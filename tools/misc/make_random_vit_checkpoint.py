"""Write a randomly initialised Depth Anything v2 checkpoint in the release layout.

A stand-in for the released files (``depth_anything_v2_vit{s,b,l}.pth``), which cannot be
downloaded on machines without network access: a depth model of the released shape
(PlainViT of the DINOv2 size, the released DPT head widths, REFERENCE.md Sec. 6) with its
fresh initialisation, written with the release's keys (``pretrained.*``,
``depth_head.*``) as a bare state dict, so that ``tools/model_converters/vit_to_mmdp.py``
and the fine-tuning configs run exactly as with the real file. Numbers obtained from it
say nothing about Depth Anything: they need the released weights.

Example::

    python tools/misc/make_random_vit_checkpoint.py --arch vits --seed 0 \\
        --out pretrain/synthetic/depth_anything_v2_vits_random.pth
"""
import argparse
import os
import os.path as osp
import sys
import tempfile

# the released Depth Anything v2 sizes: backbone arch, taken blocks, head widths
ARCHS = {
    'vits': ('dinov2-s', [2, 5, 8, 11], 64, [48, 96, 192, 384]),
    'vitb': ('dinov2-b', [2, 5, 8, 11], 128, [96, 192, 384, 768]),
    'vitl': ('dinov2-l', [4, 11, 17, 23], 256, [256, 512, 1024, 1024]),
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--arch', choices=sorted(ARCHS), default='vits',
                        help='Depth Anything v2 size (default vits)')
    parser.add_argument('--seed', type=int, default=0, help='initialisation seed')
    parser.add_argument('--out', required=True, help='output .pth (written atomically)')
    return parser.parse_args(argv)


def random_depth_anything(arch: str, seed: int = 0) -> dict:
    """The release-layout state dict of a freshly initialised Depth Anything v2 model."""
    import torch
    from mmseg.registry import MODELS

    import mmdepthpretrain  # noqa: F401  (registers PlainViT and DepthAnythingHead)
    from mmdepthpretrain.converters import to_depth_anything_layout

    vit, taps, features, widths = ARCHS[arch]
    torch.manual_seed(seed)
    backbone = MODELS.build(dict(type='PlainViT', arch=vit, out_indices=taps))
    head = MODELS.build(dict(type='DepthAnythingHead', embed_dims=backbone.embed_dims,
                             features=features, post_process_channels=widths))
    state = {f'backbone.{k}': v for k, v in backbone.state_dict().items()}
    state.update({f'decode_head.{k}': v for k, v in head.state_dict().items()})
    return to_depth_anything_layout(state, torch.Generator().manual_seed(seed + 1))


def main(argv=None):
    import torch

    args = parse_args(argv)
    state = random_depth_anything(args.arch, args.seed)
    folder = osp.dirname(osp.abspath(args.out))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix='.' + osp.basename(args.out) + '.', dir=folder)
    os.close(fd)
    try:
        torch.save(state, tmp)
        os.replace(tmp, args.out)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    count = sum(v.numel() for v in state.values())
    print(f'{args.out}: randomly initialised Depth Anything v2 {args.arch} in the release '
          f'layout ({len(state)} tensors, {count / 1e6:.1f} M values, seed {args.seed}); a '
          'stand-in: results from it need the released weights')
    return 0


if __name__ == '__main__':
    sys.exit(main())
