"""tools/train.py and tools/test.py report input errors in one line and exit with status 2:
damaged checkpoints at every entry point, unknown --cfg-options keys, data, config and
numerical errors, a broken install. MMDEPTHPRETRAIN_DEBUG=1 keeps the traceback."""
import os
import os.path as osp
import shutil
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch

pytestmark = pytest.mark.heavy

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SEG_CFG = osp.join(REPO, 'tests', 'data', 'tiny_seg.py')
DEPTH_CFG = osp.join(REPO, 'configs/synthetic/monodepth2-m_r18_1xb4-400_synthetic-320x96.py')


def _run(args, debug=False, timeout=300):
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    env.pop('MMDEPTHPRETRAIN_DEBUG', None)
    if debug:
        env['MMDEPTHPRETRAIN_DEBUG'] = '1'
    return subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _one_line(proc, *needles):
    """The error is one line, the last on stderr (the host packages' warnings may come
    before it), with no traceback."""
    lines = proc.stderr.strip().splitlines()
    err = [ln for ln in lines if ln.startswith(('train.py: error:', 'test.py: error:'))]
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert len(err) == 1 and lines[-1] == err[0], proc.stderr[-3000:]
    assert 'Traceback' not in proc.stderr
    for needle in needles:
        assert needle in err[0], err[0]
    return err[0]


def _seg_opts(root, *extra):
    return ['--cfg-options', *[f'{n}.dataset.data_root={root}' for n in
                               ('train_dataloader', 'val_dataloader', 'test_dataloader')],
            'train_cfg.max_iters=2', *extra]


@pytest.fixture(scope='module')
def truncated_ckpt(tmp_path_factory):
    path = tmp_path_factory.mktemp('bad') / 'iter_2.pth'
    torch.save({'state_dict': {'w': torch.zeros(1000)}, 'meta': {'iter': 2}}, path)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    return str(path)


@pytest.mark.parametrize('entry', ['load_from', 'resume', 'init_cfg', 'test'])
def test_damaged_checkpoint_at_every_entry_point(entry, truncated_ckpt, tiny_seg_root,
                                                 tmp_path):
    work = ['--work-dir', str(tmp_path / 'w')]
    if entry == 'test':
        args = ['tools/test.py', SEG_CFG, truncated_ckpt, *work, *_seg_opts(tiny_seg_root)]
    elif entry == 'resume':
        args = ['tools/train.py', SEG_CFG, '--resume', truncated_ckpt, *work,
                *_seg_opts(tiny_seg_root)]
    elif entry == 'load_from':
        args = ['tools/train.py', SEG_CFG, *work,
                *_seg_opts(tiny_seg_root, f'load_from={truncated_ckpt}')]
    else:
        args = ['tools/train.py', SEG_CFG, *work, *_seg_opts(
            tiny_seg_root, 'model.backbone.init_cfg.type=Pretrained',
            f'model.backbone.init_cfg.checkpoint={truncated_ckpt}')]
    _one_line(_run(args), f'error: {truncated_ckpt}: truncated checkpoint', 'delete it')


@pytest.mark.parametrize('option, needle', [
    ('nonexistent_key=1', "unknown key 'nonexistent_key' in the config"),
    ('model.backbon.depth=50', "unknown key 'backbon' in model (EncoderDecoder); nearest: "
                               'backbone'),
])
def test_unknown_option_key(option, needle):
    _one_line(_run(['tools/train.py', SEG_CFG, '--cfg-options', option]), needle)


def test_help_states_the_option_rule():
    out = _run(['tools/train.py', '--help']).stdout
    assert 'must exist in the config, or be new where it is read' in ' '.join(out.split())
    assert 'MMDEPTHPRETRAIN_DEBUG=1' in out


def _world_with_truncated_png(src, dst):
    shutil.copytree(src, dst)
    folder = osp.join(dst, '2011_01_01', '2011_01_01_drive_0001_sync', 'image_02', 'data')
    victim = osp.join(folder, sorted(os.listdir(folder))[2])
    with open(victim, 'rb') as f:
        data = f.read()
    with open(victim, 'wb') as f:
        f.write(data[:len(data) // 3])
    return victim


VAL_DRIVE = '2011_01_01_drive_0002_sync'  # of the two drives of the test world


def _depth_opts(root, workers=0, *extra):
    return ['--cfg-options', f'train_dataloader.dataset.data_root={root}',
            f'val_dataloader.dataset.data_root={root}', 'train_dataloader.batch_size=6',
            f'train_dataloader.dataset.split_cfg.exclude_scenes=[{VAL_DRIVE}]',
            f'val_dataloader.dataset.split_cfg.include_scenes=[{VAL_DRIVE}]',
            f'train_dataloader.num_workers={workers}',
            f'train_dataloader.persistent_workers={workers > 0}', 'train_cfg.max_iters=1',
            *extra]


@pytest.mark.parametrize('workers', [0, 2])
def test_truncated_png(workers, synthetic_kitti, tmp_path):
    victim = _world_with_truncated_png(synthetic_kitti, tmp_path / 'world')
    proc = _run(['tools/train.py', DEPTH_CFG, '--work-dir', str(tmp_path / 'w'),
                 *_depth_opts(tmp_path / 'world', workers)])
    _one_line(proc, f'error: loading data: Cannot decode image {victim}',
              'restore the file')


def test_truncated_png_through_mmcv_loader(tiny_seg_root, tmp_path):
    root = tmp_path / 'seg'
    shutil.copytree(tiny_seg_root, root)
    victim = root / 'img' / '3.png'
    victim.write_bytes(victim.read_bytes()[:200])
    proc = _run(['tools/train.py', SEG_CFG, '--work-dir', str(tmp_path / 'w'),
                 *_seg_opts(root, 'train_dataloader.batch_size=6')])
    _one_line(proc, f'loading data: failed to load image: {victim}')


def test_empty_data_root(tmp_path):
    (tmp_path / 'empty').mkdir()
    proc = _run(['tools/train.py', DEPTH_CFG, '--work-dir', str(tmp_path / 'w'),
                 *_depth_opts(tmp_path / 'empty')])
    _one_line(proc, f'No KITTI raw sample found under {tmp_path / "empty"}')


def test_invalid_min_depth_and_debug_traceback(tmp_path):
    args = ['tools/train.py', DEPTH_CFG, '--work-dir', str(tmp_path / 'w'),
            '--cfg-options', 'model.min_depth=-1']
    _one_line(_run(args), 'need 0 < min_depth < max_depth, got -1')
    proc = _run(args, debug=True)
    assert proc.returncode != 0 and 'Traceback' in proc.stderr
    assert 'ValueError: SelfSupDepthEstimator: need 0 < min_depth' in proc.stderr


def test_non_finite_loss(tiny_seg_root, tmp_path):
    proc = _run(['tools/train.py', SEG_CFG, '--work-dir', str(tmp_path / 'w'),
                 *_seg_opts(tiny_seg_root, 'model.decode_head.loss_decode.loss_weight=nan')])
    _one_line(proc, 'error: iteration 1: non-finite loss', 'decode.loss_ce',
              'Lower the learning rate')
    assert not any(n.endswith('.pth') for n in os.listdir(tmp_path / 'w'))


def test_non_finite_loss_of_the_depth_model(synthetic_kitti, tmp_path):
    proc = _run(['tools/train.py', DEPTH_CFG, '--work-dir', str(tmp_path / 'w'),
                 *_depth_opts(synthetic_kitti, 0, 'model.photometric_loss.loss_weight=nan')])
    _one_line(proc, 'error: iteration 1: SelfSupDepthEstimator: non-finite loss term(s)')


_HIDE_OPS = r'''
import importlib.abc, runpy, sys

HIDDEN = sys.argv.pop(1)  # mmcv._ext: what mmcv built by `pip install .` alone lacks

class HideOps(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == HIDDEN:
            raise ModuleNotFoundError(f'No module named {name!r}', name=name)

sys.meta_path.insert(0, HideOps())
if sys.argv[1] == 'import':
    import mmdepthpretrain  # noqa: F401
else:
    sys.argv = sys.argv[1:]
    runpy.run_path(sys.argv[0], run_name='__main__')
'''


def test_broken_install_is_named():
    proc = _run(['-c', _HIDE_OPS, 'mmcv._ext', 'import'])
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('mmdepthpretrain.BrokenInstallError: mmdepthpretrain: mmcv ')
    assert "lacks its compiled ops (mmcv._ext: No module named 'mmcv._ext')" in last
    assert 'run `make install`' in last
    err = _one_line(_run(['-c', _HIDE_OPS, 'mmcv._ext', 'tools/train.py', SEG_CFG]),
                    'lacks its compiled ops', 'run `make install`')
    assert err.startswith('train.py: error: mmdepthpretrain: mmcv ')


def test_missing_pycocotools_is_named():
    """Without it mmdet's registry fails deep inside an unrelated lookup."""
    proc = _run(['-c', _HIDE_OPS, 'pycocotools', 'import'])
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1] == (
        'mmdepthpretrain.BrokenInstallError: mmdepthpretrain: pycocotools is not installed '
        '(mmdet needs it); run `make install` or `pip install pycocotools`')


def test_mmcv_loader_image_fixture_is_readable(tiny_seg_root):
    """The intact fixture decodes (so the truncated copy is what fails above)."""
    img = cv2.imread(osp.join(tiny_seg_root, 'img', '3.png'))
    assert isinstance(img, np.ndarray) and img.shape == (64, 64, 3)
