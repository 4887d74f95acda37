"""Session fixtures: tiny synthetic worlds generated once per test session; a guard for
mmengine's checkpoint loader table."""

import pytest

from mmdepthpretrain.datasets.synthetic import generate_world

KITTI_FIXTURE = dict(
    layout='kitti', sequences=2, frames=6, size=(320, 96), seed=0, semantic_images=8, workers=1
)
CITYSCAPES_FIXTURE = dict(
    layout='cityscapes', sequences=2, frames=4, size=(192, 96), seed=0, workers=1
)
NYU_FIXTURE = dict(layout='nyu', sequences=2, frames=4, size=(128, 96), seed=0, workers=1)


def _world(tmp_path_factory, name, kwargs):
    root = tmp_path_factory.mktemp(name) / 'world'
    generate_world(str(root), **kwargs)
    return str(root)


@pytest.fixture(scope='session')
def synthetic_kitti(tmp_path_factory):
    """Root of a KITTI-layout world: 2 drives x 6 frames at 320x96, 8 semantic images."""
    return _world(tmp_path_factory, 'synthetic_kitti', KITTI_FIXTURE)


@pytest.fixture(scope='session')
def synthetic_cityscapes(tmp_path_factory):
    """Root of a Cityscapes-layout world: 2 snippets (train, val) x 4 frames at 192x96."""
    return _world(tmp_path_factory, 'synthetic_cityscapes', CITYSCAPES_FIXTURE)


@pytest.fixture(scope='session')
def synthetic_nyu(tmp_path_factory):
    """Root of an NYU-layout world: 2 rooms (train, test) x 4 frames at 128x96."""
    return _world(tmp_path_factory, 'synthetic_nyu', NYU_FIXTURE)


@pytest.fixture
def checkpoint_schemes():
    """Restore mmengine's ``CheckpointLoader`` scheme table after a test that changes it
    (``enable_safe_loading``, or building a runner in-process)."""
    from mmengine.runner import CheckpointLoader
    saved = dict(CheckpointLoader._schemes)
    yield
    CheckpointLoader._schemes.clear()
    CheckpointLoader._schemes.update(saved)


# The suite reads every config, most with mmseg:: or mmdet:: bases: mmengine's lookup of
# those reads the package's whole model index each time (tests/test_compat_config_lookup.py
# holds the cache to mmengine's results).
from mmdepthpretrain.compat import enable_config_lookup_cache  # noqa: E402

enable_config_lookup_cache()
