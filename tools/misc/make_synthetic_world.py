"""Generate the synthetic driving world in the KITTI, Cityscapes or NYU layout.

Example:
    python tools/misc/make_synthetic_world.py --out data/synthetic --layout kitti \\
        --sequences 4 --frames 100 --size 640x192 --seed 0 --moving-objects
"""

import argparse
import time

from mmdepthpretrain.datasets.synthetic import generate_world


def parse_size(text):
    try:
        w, h = (int(v) for v in text.lower().split('x'))
    except ValueError as err:
        msg = f'expected WIDTHxHEIGHT such as 640x192, got {text!r}'
        raise argparse.ArgumentTypeError(msg) from err
    return w, h


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--out', required=True, help='output root (must be empty or absent)')
    p.add_argument('--layout', choices=['kitti', 'cityscapes', 'nyu'], default='kitti')
    p.add_argument('--sequences', type=int, default=4, help='drives / snippets / rooms')
    p.add_argument('--frames', type=int, default=100, help='frames per sequence (>= 2)')
    p.add_argument(
        '--size',
        type=parse_size,
        default=None,
        help='WIDTHxHEIGHT (default 640x192 kitti, 512x256 cityscapes, 320x240 nyu)',
    )
    p.add_argument('--seed', type=int, default=0)
    p.add_argument(
        '--moving-objects',
        dest='moving_objects',
        action='store_true',
        default=True,
        help='add moving cars and pedestrians (default)',
    )
    p.add_argument(
        '--static',
        dest='moving_objects',
        action='store_false',
        help='a static world: nothing moves but the camera',
    )
    p.add_argument(
        '--semantic-images',
        type=int,
        default=200,
        help='KITTI-semantics images (kitti layout only)',
    )
    p.add_argument(
        '--class-overlap',
        type=float,
        default=0.3,
        help='probability that an object colour ignores its class',
    )
    p.add_argument('--workers', type=int, default=None, help='processes (default: up to 2)')
    p.add_argument('--overwrite', action='store_true', help='replace an existing world')
    return p, p.parse_args(argv)


def main(argv=None):
    parser, args = parse_args(argv)
    start = time.perf_counter()
    try:
        meta = generate_world(
            args.out,
            layout=args.layout,
            sequences=args.sequences,
            frames=args.frames,
            size=args.size,
            seed=args.seed,
            moving_objects=args.moving_objects,
            overwrite=args.overwrite,
            semantic_images=args.semantic_images,
            class_overlap=args.class_overlap,
            workers=args.workers,
        )
    except ValueError as err:
        parser.error(str(err))
    print(
        f'[synthetic] wrote {meta["layout"]} world ({meta["sequences"]} x {meta["frames"]} '
        f'frames at {meta["size"][0]}x{meta["size"][1]}, {meta["semantic_images"]} semantic '
        f'images) to {args.out} in {time.perf_counter() - start:.1f} s; '
        f'contact sheet: {args.out}/contact_sheet.png'
    )


if __name__ == '__main__':
    main()
