"""tools/train.py, tools/test.py and tools/dist_train.sh on a tiny mmseg model (CPU)."""
import os
import os.path as osp
import re
import socket
import subprocess
import sys

import pytest

pytestmark = pytest.mark.heavy

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'tests', 'data', 'tiny_seg.py')


def _env():
    env = dict(os.environ)
    env['PYTHONPATH'] = REPO + os.pathsep + env.get('PYTHONPATH', '')
    env.setdefault('OMP_NUM_THREADS', '1')
    return env


def _run(args, timeout=300, check=True):
    proc = subprocess.run(args, cwd=REPO, env=_env(), capture_output=True, text=True,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f'{args} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n'
                             f'{proc.stderr[-3000:]}')
    return proc


def _train(work_dir, data_root, *extra):
    return _run([sys.executable, 'tools/train.py', CONFIG, '--work-dir', str(work_dir),
                 '--cfg-options', f'train_dataloader.dataset.data_root={data_root}',
                 f'val_dataloader.dataset.data_root={data_root}',
                 f'test_dataloader.dataset.data_root={data_root}', *extra])


def test_train_then_resume(tmp_path, tiny_seg_root):
    work = tmp_path / 'run'
    _train(work, tiny_seg_root, 'train_cfg.max_iters=2')
    assert osp.isfile(work / 'iter_2.pth')
    # continue the same run to 4 iterations from the saved checkpoint
    proc = _train(work, tiny_seg_root, '--resume')
    log = proc.stdout + proc.stderr
    assert re.search(r'resumed epoch: 0, iter: 2', log), log[-2000:]
    assert re.search(r'Iter\(train\) \[3/4\]', log), log[-2000:]
    assert not re.search(r'Iter\(train\) \[1/4\]', log)
    assert osp.isfile(work / 'iter_4.pth')
    assert 'mIoU' in log  # validation at the end of training ran

    # explicit checkpoint path, then test
    proc = _run([sys.executable, 'tools/test.py', CONFIG, str(work / 'iter_4.pth'),
                 '--work-dir', str(tmp_path / 'test'), '--out', str(tmp_path / 'm.json'),
                 '--cfg-options', f'test_dataloader.dataset.data_root={tiny_seg_root}'])
    assert 'mIoU' in proc.stdout
    assert osp.isfile(tmp_path / 'm.json')


def test_train_amp_on_cpu(tmp_path, tiny_seg_root):
    """--amp without a GPU trains under bfloat16 autocast (mmengine's AmpOptimWrapper
    needs an accelerator)."""
    work = tmp_path / 'amp'
    proc = _train(work, tiny_seg_root, 'train_cfg.max_iters=2', '--amp')
    assert "type='AutocastOptimWrapper'" in proc.stdout + proc.stderr
    assert osp.isfile(work / 'iter_2.pth')


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.mark.skipif(sys.platform != 'linux', reason='torchrun test on Linux only')
def test_dist_train_two_cpu_processes(tmp_path, tiny_seg_root):
    """Both ranks train on their own shard of the data, log, and end with the same
    parameters (gradients are averaged over gloo)."""
    work = tmp_path / 'dist'
    cfg = tmp_path / 'dist_probe.py'
    cfg.write_text(f"""
_base_ = {CONFIG!r}
custom_imports = dict(imports=['mmdepthpretrain', 'tests.test_tools.probe_hooks'],
                      allow_failed_imports=False)
custom_hooks = [dict(type='RankParamsHook')]
""")
    env = _env()
    env['PORT'] = str(_free_port())
    env['PYTHON'] = sys.executable
    proc = subprocess.run(
        ['bash', 'tools/dist_train.sh', str(cfg), '2', '--work-dir', str(work),
         '--cfg-options', f'train_dataloader.dataset.data_root={tiny_seg_root}',
         f'val_dataloader.dataset.data_root={tiny_seg_root}', 'train_cfg.max_iters=3'],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    assert osp.isfile(work / 'iter_2.pth')
    assert 'world_size: 2' in log or 'Distributed launcher: pytorch' in log, log[-2000:]

    import torch
    ranks = [torch.load(work / f'rank{r}.pth', weights_only=True) for r in (0, 1)]
    p0, p1 = ranks[0]['params'], ranks[1]['params']
    assert p0.keys() == p1.keys() and len(p0) > 10
    assert all(torch.equal(p0[k], p1[k]) for k in p0)  # identical after 3 steps
    init = torch.load(work / 'iter_2.pth', weights_only=True)['state_dict']
    assert any(not torch.equal(p0[k], init[k]) for k in p0)  # and still training at step 3
    first0, first1 = ranks[0]['images'][0], ranks[1]['images'][0]
    assert len(first0) == len(first1) == 2 and not set(first0) & set(first1)  # own shards

    # each rank logs: rank 0 to <timestamp>.log, rank 1 to its own <timestamp>_..._rank1.log
    logs = {}
    for root, _, files in os.walk(work):
        for name in files:
            if name.endswith('.log'):
                logs[name] = open(osp.join(root, name)).read()
    rank1 = [text for name, text in logs.items() if name.endswith('rank1.log')]
    rank0 = [text for name, text in logs.items() if re.fullmatch(r'\d{8}_\d{6}\.log', name)]
    assert len(rank0) == 1 and len(rank1) == 1, sorted(logs)
    for r, text in enumerate((rank0[0], rank1[0])):
        assert re.search(r'Iter\(train\) \[3/3\]', text), text[-2000:]
        assert f'rank {r}: trained 3 iterations' in text


def _dist_train(cfg, work, *args):
    env = _env()
    env['PORT'] = str(_free_port())
    env['PYTHON'] = sys.executable
    proc = subprocess.run(['bash', 'tools/dist_train.sh', str(cfg), '2', '--work-dir',
                           str(work), *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    return proc.stdout + proc.stderr


@pytest.mark.skipif(sys.platform != 'linux', reason='torchrun test on Linux only')
def test_dist_resume_equals_uninterrupted_run(tmp_path, tiny_seg_root):
    """Two processes: the random state of both ranks is saved and each rank gets its own
    back, so 2 + resume equals 4 uninterrupted iterations on every rank."""
    import shutil

    import torch
    cfg = tmp_path / 'dist_resume.py'
    cfg.write_text(f"""
_base_ = {CONFIG!r}
custom_imports = dict(imports=['mmdepthpretrain', 'tests.test_tools.probe_hooks'],
                      allow_failed_imports=False)
custom_hooks = [dict(type='RankParamsHook')]
randomness = dict(seed=0, deterministic=True)
train_cfg = dict(val_interval=2)
train_dataloader = dict(dataset=dict(data_root={tiny_seg_root!r}))
val_dataloader = dict(dataset=dict(data_root={tiny_seg_root!r}))
""")
    full, part = tmp_path / 'full', tmp_path / 'part'
    _dist_train(cfg, full)
    os.makedirs(part)
    shutil.copy(full / 'iter_2.pth', part / 'iter_2.pth')
    log = _dist_train(cfg, part, '--resume')
    assert 'resumed epoch: 0, iter: 2' in log
    a, b = (torch.load(w / 'iter_4.pth', weights_only=True) for w in (full, part))
    assert a['random_state']['world_size'] == 2 and len(a['random_state']['ranks']) == 2
    assert all(torch.equal(v, b['state_dict'][k]) for k, v in a['state_dict'].items())
    for r in (0, 1):
        ra, rb = a['random_state']['ranks'][r], b['random_state']['ranks'][r]
        assert torch.equal(ra['torch'], rb['torch'])
        pa, pb = (torch.load(w / f'rank{r}.pth', weights_only=True)['params']
                  for w in (full, part))
        assert all(torch.equal(v, pb[k]) for k, v in pa.items())


@pytest.mark.parametrize('args, needle', [
    (['tools/train.py', 'configs/does/not/exist.py'], 'config file not found: configs/does'),
    (['tools/train.py', CONFIG, '--resume', '/nonexistent/iter_9.pth'],
     'checkpoint not found: /nonexistent/iter_9.pth'),
    (['tools/train.py', CONFIG, '--cfg-options', 'load_from=/nonexistent/init.pth'],
     'initialisation file not found: /nonexistent/init.pth'),
    (['tools/test.py', CONFIG, '/nonexistent/ckpt.pth'], 'checkpoint not found'),
])
def test_bad_input_is_one_line(args, needle):
    proc = _run([sys.executable, *args], check=False, timeout=120)
    assert proc.returncode == 2
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and needle in err[0], proc.stderr
    assert 'Traceback' not in proc.stderr
