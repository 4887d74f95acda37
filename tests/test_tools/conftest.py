"""Fixtures of the tool tests: a tiny two-class segmentation dataset on disk."""
import os

import cv2
import numpy as np
import pytest


@pytest.fixture(scope='session')
def tiny_seg_root(tmp_path_factory):
    """Six 64x64 images with a bright square on a dark background, labelled 1 / 0."""
    root = tmp_path_factory.mktemp('tiny_seg')
    rng = np.random.default_rng(0)
    os.makedirs(root / 'img')
    os.makedirs(root / 'ann')
    for i in range(6):
        img = rng.integers(0, 60, (64, 64, 3), dtype=np.uint8)
        ann = np.zeros((64, 64), np.uint8)
        y, x = rng.integers(0, 32, 2)
        img[y:y + 24, x:x + 24] += 150
        ann[y:y + 24, x:x + 24] = 1
        cv2.imwrite(str(root / 'img' / f'{i}.png'), img)
        cv2.imwrite(str(root / 'ann' / f'{i}.png'), ann)
    return str(root)
