"""mmseg's own tools/train.py and tools/test.py with the one documented config line,
``runner_type = 'CompatRunner'`` (given here with --cfg-options)."""
import os
import os.path as osp
import re
import socket
import subprocess
import sys

import mmseg
import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'tests', 'data', 'tiny_seg.py')
HOST_TOOLS = osp.join(osp.dirname(mmseg.__file__), '.mim', 'tools')

pytestmark = [pytest.mark.heavy,
              pytest.mark.skipif(not osp.isfile(osp.join(HOST_TOOLS, 'train.py')),
                                 reason="mmseg's tools are not installed with the package")]


def _env():
    env = dict(os.environ)
    env['PYTHONPATH'] = REPO + os.pathsep + env.get('PYTHONPATH', '')
    env.setdefault('OMP_NUM_THREADS', '1')
    return env


def _data(root, *loaders):
    return [f'{name}.dataset.data_root={root}' for name in loaders]


def _host(tool, *args, timeout=300):
    proc = subprocess.run([sys.executable, osp.join(HOST_TOOLS, tool), *args], cwd=REPO,
                          env=_env(), capture_output=True, text=True, timeout=timeout)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f'{tool} failed ({proc.returncode}):\n{log[-4000:]}'
    return log


def test_host_train_resume_and_test(tmp_path, tiny_seg_root):
    work = tmp_path / 'run'
    opts = ['runner_type=CompatRunner',
            *_data(tiny_seg_root, 'train_dataloader', 'val_dataloader', 'test_dataloader')]
    _host('train.py', CONFIG, '--work-dir', str(work), '--cfg-options', *opts,
          'train_cfg.max_iters=2')
    first = work / 'iter_2.pth'
    assert torch.serialization.get_unsafe_globals_in_checkpoint(str(first)) == []

    log = _host('train.py', CONFIG, '--work-dir', str(work), '--resume', '--cfg-options', *opts)
    assert re.search(r'resumed epoch: 0, iter: 2', log), log[-2000:]
    assert re.search(r'Iter\(train\) \[3/4\]', log) and not re.search(r'Iter\(train\) \[1/4\]', log)
    assert 'is not HistoryBuffer' not in log
    last = torch.load(work / 'iter_4.pth', map_location='cpu', weights_only=True)
    assert last['message_hub']['log_scalars']['train/loss']['log_history'].shape == (4, )

    # mmseg's test.py builds a plain Runner: our checkpoint loads with mmengine's loader
    log = _host('test.py', CONFIG, str(work / 'iter_4.pth'), '--work-dir', str(tmp_path / 't'),
                '--cfg-options', *_data(tiny_seg_root, 'test_dataloader'))
    assert 'mIoU' in log


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.mark.skipif(sys.platform != 'linux' or torch.cuda.is_available(),
                    reason='CPU-only torchrun test on Linux')
def test_host_dist_train_on_cpu(tmp_path, tiny_seg_root):
    work = tmp_path / 'dist'
    proc = subprocess.run(
        [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
         f'--master_port={_free_port()}', osp.join(HOST_TOOLS, 'train.py'), CONFIG,
         '--launcher', 'pytorch', '--work-dir', str(work), '--cfg-options',
         'runner_type=CompatRunner', 'train_cfg.max_iters=2',
         *_data(tiny_seg_root, 'train_dataloader', 'val_dataloader')],
        cwd=REPO, env=_env(), capture_output=True, text=True, timeout=300)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    assert osp.isfile(work / 'iter_2.pth')
    assert 'Distributed launcher: pytorch' in log and 'GPU number: 2' in log, log[-2000:]
    assert 'terminate called' not in log
