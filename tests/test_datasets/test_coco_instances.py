"""Instance maps to COCO: round trip of masks, boxes and areas; bad input."""
import json
import os.path as osp
import runpy

import cv2
import numpy as np
import pytest
from pycocotools import mask as mask_utils

from mmdepthpretrain.datasets import decode_instance_map, instances_to_coco
from mmdepthpretrain.datasets.coco_instances import THING_CLASSES, THING_LABEL_IDS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO, 'tools', 'dataset_converters', 'instances_to_coco.py')


def _run_tool(argv):
    return runpy.run_path(TOOL)['main'](argv)


def _check_round_trip(coco, image_dir, inst_of, label_of, encoding):
    """Every world instance is in the JSON exactly once, with its mask, box and area."""
    anns_by_image = {}
    for a in coco['annotations']:
        anns_by_image.setdefault(a['image_id'], []).append(a)
    total = 0
    for img in coco['images']:
        assert osp.isfile(osp.join(image_dir, img['file_name'])), img['file_name']
        inst = inst_of(img['file_name'])
        labels = label_of(img['file_name'])
        world = [(lid, m) for lid, m in decode_instance_map(inst, encoding)
                 if lid in THING_LABEL_IDS]
        anns = anns_by_image.get(img['id'], [])
        assert len(anns) == len(world)
        for (lid, mask), ann in zip(world, anns):
            decoded = mask_utils.decode(ann['segmentation']).astype(bool)
            assert np.array_equal(decoded, mask)
            assert (labels[mask] == lid).all()  # the semantic map agrees on the class
            assert THING_CLASSES[ann['category_id'] - 1] == \
                THING_CLASSES[THING_LABEL_IDS.index(lid)]
            x, y, w, h = ann['bbox']
            ys, xs = np.nonzero(mask)
            assert (x, y) == (xs.min(), ys.min()) and (x + w - 1, y + h - 1) == (xs.max(),
                                                                                ys.max())
            assert ann['area'] == mask.sum() > 0
        total += len(anns)
    return total


def test_cityscapes_layout_round_trip(synthetic_cityscapes, tmp_path):
    root = synthetic_cityscapes
    out = str(tmp_path / 'instances_train.json')
    assert _run_tool([root, out, '--layout', 'cityscapes', '--split', 'train']) == 0
    coco = json.load(open(out))
    assert [c['name'] for c in coco['categories']] == list(THING_CLASSES)
    gt = osp.join(root, 'gtFine', 'train')

    def stem(file_name):
        return osp.join(gt, file_name[:-len('_leftImg8bit.png')])

    n = _check_round_trip(
        coco, osp.join(root, 'leftImg8bit', 'train'),
        lambda f: cv2.imread(stem(f) + '_gtFine_instanceIds.png', cv2.IMREAD_UNCHANGED),
        lambda f: cv2.imread(stem(f) + '_gtFine_labelIds.png', cv2.IMREAD_UNCHANGED),
        'cityscapes')
    assert n > 0


def test_kitti_layout_round_trip_and_min_area(synthetic_kitti, tmp_path, capsys):
    root = synthetic_kitti
    out = str(tmp_path / 'kitti.json')
    assert _run_tool([root, out, '--layout', 'kitti']) == 0
    coco = json.load(open(out))
    base = osp.join(root, 'data_semantics', 'training')
    n = _check_round_trip(
        coco, osp.join(base, 'image_2'),
        lambda f: cv2.imread(osp.join(base, 'instance', f), cv2.IMREAD_UNCHANGED),
        lambda f: cv2.imread(osp.join(base, 'semantic', f), cv2.IMREAD_UNCHANGED), 'kitti')
    assert n > 0 and f'{n} instances' in capsys.readouterr().out
    big = str(tmp_path / 'big.json')
    assert _run_tool([root, big, '--layout', 'kitti', '--min-area', '10000000']) == 0
    assert json.load(open(big))['annotations'] == []
    assert f'{n} skipped as empty or below 10000000 px' in capsys.readouterr().out


def test_degenerate_and_stuff_instances_are_counted_not_fatal():
    inst = np.zeros((4, 6), np.int64)
    inst[0, 0] = 26 * 1000 + 0        # a one-pixel car
    inst[1:3, 1:4] = 24 * 1000 + 1    # a person
    inst[3, :] = 7                    # road, no instance
    inst[0, 5] = 29 * 1000 + 0        # caravan: not an instance class of the benchmark
    coco, stats = instances_to_coco([('a.png', inst)], 'cityscapes', min_area=2)
    assert stats == {'kept': 1, 'skipped_degenerate': 1, 'skipped_class': 1}
    (ann,) = coco['annotations']
    assert ann['bbox'] == [1.0, 1.0, 3.0, 2.0] and ann['area'] == 6.0
    assert ann['category_id'] == THING_CLASSES.index('person') + 1
    with pytest.raises(ValueError, match='unknown instance encoding'):
        decode_instance_map(inst, 'ade')


def test_missing_root_is_one_line(tmp_path, capsys):
    assert _run_tool([str(tmp_path), str(tmp_path / 'x.json'), '--layout', 'cityscapes']) == 2
    err = capsys.readouterr().err
    assert 'Cityscapes annotation folder not found' in err and 'Traceback' not in err
    assert not (tmp_path / 'x.json').exists()
    for layout in ('cityscapes', 'kitti'):  # a root that does not exist: one line naming it
        wrong = str(tmp_path / 'no_such_root')
        assert _run_tool([wrong, str(tmp_path / 'x.json'), '--layout', layout]) == 2
        err = capsys.readouterr().err
        assert err == f'instances_to_coco.py: error: dataset root not found: {wrong}\n'


def test_strict_coco_dataset_names_unknown_categories(tmp_path):
    from mmengine.registry import DefaultScope

    from mmdepthpretrain.datasets import StrictCocoDataset
    ann = dict(images=[dict(id=1, file_name='a.png', height=4, width=4)],
               annotations=[dict(id=1, image_id=1, category_id=2, bbox=[0, 0, 2, 2],
                                 area=4.0, iscrowd=0, segmentation=[[0, 0, 2, 0, 2, 2]])],
               categories=[dict(id=1, name='car'), dict(id=2, name='tram')])
    path = tmp_path / 'ann.json'
    path.write_text(json.dumps(ann))
    common = dict(ann_file=str(path), data_root='', data_prefix=dict(img=''), pipeline=[])
    with DefaultScope.overwrite_default_scope('mmdet'):
        with pytest.raises(ValueError, match=r"\['tram'\] are not among"):
            StrictCocoDataset(metainfo=dict(classes=('car', )), **common)
        ok = StrictCocoDataset(metainfo=dict(classes=('car', 'tram')), **common)
        assert len(ok) == 1
