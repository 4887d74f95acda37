"""List the held-out validation images of one label budget (a stage of the grid).

The labelled images of a budget B are the first B KITTI-semantics images by name (the
dataset's ``subset_mode='first'``); the last N of them are held out to choose the
fine-tuning protocol (learning rate) and listed here, one name per line, for the
dataset's ``subset_mode='list'``. The test split (the unlabelled images) is never used.

Example:
    python tools/experiments/make_split.py --data-root data/synthetic --budget 16 \\
        --held-out 4 --out work_dirs/lr_search/splits/synthetic/val_b16_h4.txt
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import sys

IMAGES = osp.join('data_semantics', 'training', 'image_2')
SUFFIX = '_10.png'


def held_out_names(data_root: str, budget: int, held_out: int) -> list:
    """The last ``held_out`` of the first ``budget`` image names (sorted) under the root."""
    img_dir = osp.join(data_root, IMAGES)
    if not osp.isdir(img_dir):
        raise FileNotFoundError(f'{img_dir}: no KITTI-semantics images (is --data-root '
                                f'right, and the world generated?)')
    names = sorted(n[:-len(SUFFIX)] for n in os.listdir(img_dir) if n.endswith(SUFFIX))
    if not 0 < held_out < budget <= len(names):
        raise ValueError(f'--held-out {held_out} of --budget {budget}: needs 0 < held-out < '
                         f'budget <= {len(names)} (images in {img_dir})')
    return names[budget - held_out:budget]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog='make_split.py', description=__doc__.split('\n')[0])
    parser.add_argument('--data-root', required=True)
    parser.add_argument('--budget', type=int, required=True)
    parser.add_argument('--held-out', type=int, required=True)
    parser.add_argument('--out', required=True)
    args = parser.parse_args(argv)
    try:
        names = held_out_names(args.data_root, args.budget, args.held_out)
    except (OSError, ValueError) as exc:
        print(f'make_split.py: error: {exc}', file=sys.stderr)
        return 2
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    tmp = args.out + '.tmp'
    with open(tmp, 'w') as f:
        f.write('\n'.join(names) + '\n')
    os.replace(tmp, args.out)
    print(f'{len(names)} held-out images of the first {args.budget}: {", ".join(names)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
