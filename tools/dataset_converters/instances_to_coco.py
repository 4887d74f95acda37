"""Write a Cityscapes or KITTI-semantics dataset's instances as COCO JSON for mmdet.

Examples:
    # real Cityscapes (gtFine_trainvaltest + leftImg8bit_trainvaltest):
    python tools/dataset_converters/instances_to_coco.py data/cityscapes \
        data/cityscapes/annotations/instancesonly_filtered_gtFine_train.json \
        --layout cityscapes --split train
    # the synthetic world (cars and persons), either layout:
    python tools/dataset_converters/instances_to_coco.py data/synthetic_cs \
        data/synthetic_cs/annotations/instances_train.json --layout cityscapes
    python tools/dataset_converters/instances_to_coco.py data/synthetic \
        data/synthetic/annotations/instances_kitti.json --layout kitti

``file_name`` entries are relative to ``leftImg8bit/<split>/`` (Cityscapes) or
``image_2/`` (KITTI): set the config's ``data_prefix=dict(img=...)`` to that folder.
Instances smaller than ``--min-area`` pixels are skipped and counted.
"""
import argparse
import os
import sys

import cv2


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog='instances_to_coco.py',
                                     description=__doc__.split('\n')[0])
    parser.add_argument('root', help='dataset root')
    parser.add_argument('out', help='output JSON file')
    parser.add_argument('--layout', choices=['cityscapes', 'kitti'], required=True)
    parser.add_argument('--split', default='train', help='Cityscapes split (default: train)')
    parser.add_argument('--min-area', type=int, default=1,
                        help='smallest instance mask kept, in pixels (default: 1)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmdepthpretrain.datasets.coco_instances import (
        find_instance_maps,
        instances_to_coco,
        write_coco_json,
    )
    try:
        found = find_instance_maps(args.root, args.layout, args.split)
    except (FileNotFoundError, ValueError) as exc:
        print(f'instances_to_coco.py: error: {exc}', file=sys.stderr)
        return 2

    def images():
        for file_name, path in found:
            inst = cv2.imread(path, cv2.IMREAD_UNCHANGED)
            if inst is None:
                raise FileNotFoundError(f'cannot read instance map {path} (corrupt or not '
                                        'a PNG); restore it from the download')
            yield file_name, inst

    try:
        coco, stats = instances_to_coco(images(), args.layout, args.min_area)
    except FileNotFoundError as exc:
        print(f'instances_to_coco.py: error: {exc}', file=sys.stderr)
        return 2
    write_coco_json(coco, args.out)
    print(f'{args.out}: {len(coco["images"])} images, {stats["kept"]} instances '
          f'({stats["skipped_degenerate"]} skipped as empty or below {args.min_area} px, '
          f'{stats["skipped_class"]} of classes without instances)')
    return 0


if __name__ == '__main__':
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))
    sys.exit(main())
