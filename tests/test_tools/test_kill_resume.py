"""kill -9 a real tiny training during and after a checkpoint save, then --resume.

CheckpointHook writes through the atomic backend (passed explicitly, as the configs'
default_runtime selects it): a kill leaves the previous complete checkpoint or the new one,
never a part under a checkpoint's name, and last_checkpoint never names a partial file.
"""
import os
import os.path as osp
import re
import signal
import subprocess
import sys
import time

import pytest
import torch

pytestmark = pytest.mark.heavy

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SEG_CFG = osp.join(REPO, 'tests', 'data', 'tiny_seg.py')
PARTIAL = re.compile(r'^\.iter_\d+\.pth\.[A-Za-z0-9_]+\.tmp$')


def _env():
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1')
    env.pop('MMDEPTHPRETRAIN_DEBUG', None)
    return env


def _config(tmp_path, root):
    cfg = tmp_path / 'seg_kill.py'
    cfg.write_text(f"""
_base_ = {SEG_CFG!r}
custom_imports = dict(imports=['mmdepthpretrain', 'tests.test_tools.probe_hooks'],
                      allow_failed_imports=False)
train_cfg = dict(max_iters=6, val_interval=100)
default_hooks = dict(checkpoint=dict(interval=2, max_keep_ckpts=2,
                                     backend_args=dict(backend='atomic_local')))
param_scheduler = [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=6,
                        by_epoch=False)]
custom_hooks = [dict(type='SlowSaveHook', at=0)]
train_dataloader = dict(dataset=dict(data_root={root!r}))
val_dataloader = dict(dataset=dict(data_root={root!r}))
test_dataloader = val_dataloader
""")
    return str(cfg)


def _train_until(args, ready, timeout=300):
    """Start tools/train.py, read its output until ``ready(line, work)`` holds, kill -9."""
    proc = subprocess.Popen([sys.executable, 'tools/train.py', *args], cwd=REPO, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen, deadline = [], time.time() + timeout
    try:
        for line in proc.stdout:
            seen.append(line)
            if ready(line):
                break
            assert time.time() < deadline, ''.join(seen[-30:])
        else:
            raise AssertionError('training ended before the kill:\n' + ''.join(seen[-30:]))
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    return ''.join(seen)


def _resume(cfg, work):
    proc = subprocess.run([sys.executable, 'tools/train.py', cfg, '--work-dir', str(work),
                           '--resume'], cwd=REPO, env=_env(), capture_output=True, text=True,
                          timeout=300)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    return log


def _loads(path):
    return torch.load(path, map_location='cpu', weights_only=True)


def test_kill_during_a_save_keeps_the_previous_checkpoint(tmp_path, tiny_seg_root):
    cfg, work = _config(tmp_path, tiny_seg_root), tmp_path / 'work'
    _train_until([cfg, '--work-dir', str(work), '--cfg-options', 'custom_hooks.0.at=4'],
                 lambda line: line.startswith('SAVING iteration 4'))
    names = sorted(os.listdir(work))
    partial = [n for n in names if PARTIAL.match(n)]
    assert len(partial) == 1 and partial[0].startswith('.iter_4.pth.'), names
    assert 'iter_4.pth' not in names and 'iter_2.pth' in names  # the previous, complete
    assert (work / 'last_checkpoint').read_text().strip() == str(work / 'iter_2.pth')
    assert _loads(work / 'iter_2.pth')['meta']['iter'] == 2
    # the partial file is complete bytes that were never renamed: nothing loads it
    log = _resume(cfg, work)
    assert 'resumed epoch: 0, iter: 2' in log, log[-3000:]
    assert f'removed 1 partial file(s) left by an interrupted save in {work}' in log
    assert re.search(r'Iter\(train\) \[3/6\]', log) and not re.search(r'Iter\(train\) \[1/6\]',
                                                                       log)
    assert not [n for n in os.listdir(work) if PARTIAL.match(n)]
    assert _loads(work / 'iter_6.pth')['meta']['iter'] == 6
    assert sorted(n for n in os.listdir(work) if n.endswith('.pth')) == ['iter_4.pth',
                                                                           'iter_6.pth']


def test_kill_after_a_save_and_a_torn_last_checkpoint(tmp_path, tiny_seg_root):
    cfg, work = _config(tmp_path, tiny_seg_root), tmp_path / 'work'

    def saved_two(line):
        marker = work / 'last_checkpoint'
        return 'Iter(train) [3/6]' in line and marker.is_file() and \
            marker.read_text().strip().endswith('iter_2.pth')

    _train_until([cfg, '--work-dir', str(work)], saved_two)  # killed in iteration 4
    assert sorted(n for n in os.listdir(work) if n.endswith('.pth')) == ['iter_2.pth']
    (work / 'last_checkpoint').write_text('')  # as if killed while mmengine rewrote it
    log = _resume(cfg, work)
    assert f'{work / "last_checkpoint"} is empty; resuming from the newest checkpoint in ' \
           f'the folder, {work / "iter_2.pth"}' in log, log[-3000:]
    assert 'resumed epoch: 0, iter: 2' in log
    assert _loads(work / 'iter_6.pth')['meta']['iter'] == 6
