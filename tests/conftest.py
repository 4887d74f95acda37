"""Session fixtures: tiny synthetic worlds generated once per test session; a guard for
mmengine's checkpoint loader table around every test; parallel workers' threads and the
order of heavy tests."""

import os

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


@pytest.fixture(autouse=True)
def checkpoint_schemes():
    """Restore mmengine's ``CheckpointLoader`` scheme table and the pickling dispatch table
    after every test: a test that changes them (``enable_safe_loading``, or building a
    runner in-process) leaves the next one, in whichever order a worker runs them, the
    state that importing the package left (tests/test_compat.py checks that state)."""
    import copyreg

    from mmengine.runner import CheckpointLoader
    saved, dispatch = dict(CheckpointLoader._schemes), dict(copyreg.dispatch_table)
    yield
    CheckpointLoader._schemes.clear()
    CheckpointLoader._schemes.update(saved)
    # Only our reducers are undone: a module imported during the test keeps its own.
    for cls, reducer in list(copyreg.dispatch_table.items()):
        if getattr(reducer, '__module__', '').startswith('mmdepthpretrain'):
            if cls in dispatch:
                copyreg.dispatch_table[cls] = dispatch[cls]
            else:
                del copyreg.dispatch_table[cls]


# The suite reads every config, most with mmseg:: or mmdet:: bases: mmengine's lookup of
# those reads the package's whole model index each time (tests/test_compat_config_lookup.py
# holds the cache to mmengine's results).
from mmdepthpretrain.compat import enable_config_lookup_cache  # noqa: E402

enable_config_lookup_cache()


# Parallel runs (`make test` runs pytest-xdist workers, one per core): each worker takes an
# equal share of the cores for torch's intra-op threads, instead of every worker starting
# one thread per core.
_WORKERS = int(os.environ.get('PYTEST_XDIST_WORKER_COUNT', '1'))
if _WORKERS > 1:
    import torch

    torch.set_num_threads(max(1, (os.cpu_count() or 1) // _WORKERS))


def pytest_configure(config):
    config.addinivalue_line(
        'markers', 'heavy: an end-to-end test of minutes (subprocess tools, trained '
        'fixtures); scheduled before the rest so that parallel workers finish together')


def pytest_collection_modifyitems(config, items):
    """Heavy tests first, each file's tests kept together and in their order: with
    work-stealing workers, a long test started last would leave the other workers idle."""
    items.sort(key=lambda item: item.get_closest_marker('heavy') is None)
