"""Generate KITTI raw split files (Monodepth2 format) from a KITTI raw root.

Keeps every frame whose neighbours (and other camera, with ``s``) exist, leaving out
the drives of ``--exclude-scenes`` (e.g. the Eigen test scenes) and the frames of
``--static-frames`` (Zhou et al.'s static-frame list), and writes
``train_files.txt`` (and ``val_files.txt`` with ``--val-ratio``) as
``<date>/<drive> <frame_index> <l|r>`` lines.

Example::

    python tools/misc/make_kitti_split.py data/kitti_raw \\
        --out-dir data/kitti_raw/splits/my_split --frame-ids 0 -1 1 \\
        --exclude-scenes data/kitti_raw/splits/eigen_test_scenes.txt --val-ratio 0.05
"""

import argparse
import os.path as osp
import sys


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_root', help='KITTI raw root (<date>/<drive>/image_02/data)')
    parser.add_argument('--out-dir', required=True, help='folder for the split files')
    parser.add_argument(
        '--frame-ids',
        nargs='+',
        default=['0', '-1', '1'],
        help="frames each sample needs: integers and/or 's' (default 0 -1 1)",
    )
    parser.add_argument('--exclude-scenes', help='file of drive names to leave out')
    parser.add_argument('--include-scenes', help='file of drive names to keep (others left out)')
    parser.add_argument('--static-frames', help='file of static frames to leave out')
    parser.add_argument('--sides', nargs='+', default=['l', 'r'], choices=['l', 'r'])
    parser.add_argument(
        '--val-ratio', type=float, default=0.0, help='fraction of samples written to val_files.txt'
    )
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmdepthpretrain.datasets.dropped_samples import DroppedSamples
    from mmdepthpretrain.datasets.kitti_split import make_kitti_split, write_split_file

    frame_ids = [f if f == 's' else int(f) for f in args.frame_ids]
    drops = DroppedSamples()
    try:
        split = make_kitti_split(
            args.data_root,
            frame_ids=frame_ids,
            exclude_scenes=args.exclude_scenes,
            static_frames=args.static_frames,
            sides=args.sides,
            val_ratio=args.val_ratio,
            seed=args.seed,
            include_scenes=args.include_scenes,
            drops=drops,
        )
    except (FileNotFoundError, ValueError) as e:
        print(f'make_kitti_split: {e}', file=sys.stderr)
        return 1
    if not split['train'] and not split['val']:
        print(f'make_kitti_split: no usable frame under {args.data_root}', file=sys.stderr)
        return 1
    total = len(split['train']) + len(split['val']) + len(drops)
    for line in drops.lines('make_kitti_split', args.data_root, total):
        print(line, file=sys.stderr)
    for name in ('train', 'val'):
        if name == 'val' and not split['val']:
            continue
        path = osp.join(args.out_dir, f'{name}_files.txt')
        write_split_file(split[name], path)
        print(f'{path}: {len(split[name])} samples')
    return 0


if __name__ == '__main__':
    sys.exit(main())
