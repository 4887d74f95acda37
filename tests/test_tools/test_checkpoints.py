"""Checkpoints written by tools/train.py: they load without the plugin and under torch's
weights_only default, and resuming continues the interrupted run."""
import json
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest
import torch

pytestmark = pytest.mark.heavy

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEPTH_CFG = osp.join(REPO, 'configs/synthetic/monodepth2-m_r18_1xb4-400_synthetic-320x96.py')
SEG_CFG = osp.join(REPO, 'tests', 'data', 'tiny_seg.py')
VAL_DRIVE = '2011_01_01_drive_0002_sync'
N = 4  # iterations of the uninterrupted run; the interrupted one stops after N // 2


def _run(args, check=True, timeout=600):
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get('PYTHONPATH', ''))
    env.setdefault('OMP_NUM_THREADS', '1')
    proc = subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)
    if check:
        assert proc.returncode == 0, f'{args[:2]} failed:\n{proc.stdout[-2000:]}\n' \
                                     f'{proc.stderr[-3000:]}'
    return proc


# Validation runs after the checkpoint of iteration N/2 in the uninterrupted run only: the
# resumed run must not depend on it. Checkpoints go through the atomic backend, as the
# configs' default_runtime selects it.
_COMMON = f"""
randomness = dict(seed=0, deterministic=True)
train_cfg = dict(max_iters={N}, val_interval={N // 2})
default_hooks = dict(checkpoint=dict(interval={N // 2}, max_keep_ckpts=3,
                                     backend_args=dict(backend='atomic_local')),
                     logger=dict(interval=1))
custom_hooks = [dict(type='InterruptTrainingHook', stop_at=0)]
"""


def _loader(workers):
    return f'loader = dict(num_workers={workers}, persistent_workers={workers > 0})\n'


def _depth_config(tmp_path, root, workers=0):
    """The synthetic M config (colour jitter, automask noise, flips), tiny: batch 2."""
    cfg = tmp_path / 'depth_tiny.py'
    cfg.write_text(f"""
_base_ = {DEPTH_CFG!r}
custom_imports = dict(imports=['mmdepthpretrain', 'tests.test_tools.interrupt_hook'],
                      allow_failed_imports=False)
{_COMMON}
default_hooks.update(visualization=dict(interval=1000))
{_loader(workers)}
train_dataloader = dict(batch_size=2, **loader, dataset=dict(
    data_root={root!r}, split_cfg=dict(exclude_scenes=[{VAL_DRIVE!r}])))
val_dataloader = dict(**loader, dataset=dict(
    data_root={root!r}, split_cfg=dict(include_scenes=[{VAL_DRIVE!r}])))
test_dataloader = val_dataloader
""")
    return str(cfg)


def _seg_config(tmp_path, root, init, workers=0):
    """A segmentation fine-tune: the tiny mmseg model (random flips, dropout in the head)
    initialised from a checkpoint, workers without persistence."""
    cfg = tmp_path / 'seg_tiny.py'
    cfg.write_text(f"""
_base_ = {SEG_CFG!r}
custom_imports = dict(imports=['mmdepthpretrain', 'tests.test_tools.interrupt_hook'],
                      allow_failed_imports=False)
load_from = {str(init)!r}
{_COMMON}
train_dataloader = dict(num_workers={workers}, dataset=dict(data_root={root!r}))
val_dataloader = dict(dataset=dict(data_root={root!r}))
test_dataloader = val_dataloader
""")
    return str(cfg)


def _resume_runs(tmp, cfg, interrupt=True):
    """An uninterrupted run of N iterations and one that continues from iteration N/2.

    With ``interrupt``, the second run stops after N/2 iterations (exit status 3, as a
    crash) and continues with ``--resume``; otherwise it continues in a fresh process from
    a copy of the uninterrupted run's checkpoint of iteration N/2 (the same file an
    interrupted run writes), with ``--resume PATH``.
    """
    full, part = tmp / 'full', tmp / 'part'
    _run(['tools/train.py', cfg, '--work-dir', str(full)])
    if interrupt:
        proc = _run(['tools/train.py', cfg, '--work-dir', str(part), '--cfg-options',
                     f'custom_hooks.0.stop_at={N // 2}'], check=False)
        assert proc.returncode == 3, proc.stderr[-3000:]
        assert osp.isfile(part / f'iter_{N // 2}.pth')
        assert not osp.isfile(part / f'iter_{N}.pth')
        resumed = _run(['tools/train.py', cfg, '--work-dir', str(part), '--resume'])
    else:
        os.makedirs(part)
        shutil.copy(full / f'iter_{N // 2}.pth', part / f'iter_{N // 2}.pth')
        resumed = _run(['tools/train.py', cfg, '--work-dir', str(part), '--resume',
                        str(part / f'iter_{N // 2}.pth')])
    return dict(full=full, part=part, log=resumed.stdout + resumed.stderr)


@pytest.fixture(scope='module')
def depth_runs(synthetic_kitti, tmp_path_factory):
    """The config as users run it, interrupted for real, no workers."""
    tmp = tmp_path_factory.mktemp('resume')
    return _resume_runs(tmp, _depth_config(tmp, synthetic_kitti))


def _load(path):
    return torch.load(path, map_location='cpu', weights_only=True)


def test_resume_continues_under_weights_only(depth_runs):
    log = depth_runs['log']
    assert f'resumed epoch: 0, iter: {N // 2}' in log, log[-3000:]
    assert f'Iter(train) [{N // 2 + 1}/{N}]' in log
    assert 'Iter(train) [1/' not in log
    assert 'is not HistoryBuffer' not in log  # the log history came back
    assert 'restored the random state saved with the checkpoint' in log
    ckpt = _load(depth_runs['part'] / f'iter_{N}.pth')
    assert ckpt['meta']['iter'] == N
    history = ckpt['message_hub']['log_scalars']['train/loss']
    assert history['log_history'].shape == (N,)  # iterations before and after the resume


def _scalars(work_dir):
    rows = []
    for stamp in sorted(os.listdir(work_dir)):
        path = osp.join(work_dir, stamp, 'vis_data', 'scalars.json')
        if osp.isfile(path):
            with open(path) as f:
                rows += [json.loads(line) for line in f if '"loss"' in line]
    return {row['iter']: row for row in rows}


_TIMING = ('time', 'data_time')


def _random_states_equal(a, b):
    if a['world_size'] != b['world_size'] or len(a['ranks']) != len(b['ranks']):
        return False
    for x, y in zip(a['ranks'], b['ranks']):
        if not (torch.equal(x['torch'], y['torch'])
                and torch.equal(x['numpy']['keys'], y['numpy']['keys'])
                and x['numpy']['pos'] == y['numpy']['pos']
                and torch.equal(x['python']['internal'], y['python']['internal'])):
            return False
    return True


def _compare(full, part):
    """Every difference between the uninterrupted and the resumed run, by name."""
    a, b = _load(full / f'iter_{N}.pth'), _load(part / f'iter_{N}.pth')
    diffs = []
    for key, value in a['state_dict'].items():
        if not torch.equal(value, b['state_dict'][key]):
            diffs.append(f'state_dict.{key}')
    for pid, state in a['optimizer']['state'].items():
        for name, value in state.items():
            if not torch.equal(torch.as_tensor(value), torch.as_tensor(
                    b['optimizer']['state'][pid][name])):
                diffs.append(f'optimizer.state.{pid}.{name}')
    train_keys = [k for k in a['message_hub']['log_scalars']
                  if k.startswith('train/') and k.split('/', 1)[1] not in _TIMING]
    assert 'train/loss' in train_keys
    for key in train_keys:
        la = a['message_hub']['log_scalars'][key]['log_history']
        lb = b['message_hub']['log_scalars'][key]['log_history']
        if not torch.equal(la, lb):
            diffs.append(f'{key} {la.tolist()} vs {lb.tolist()}')
    logged_a, logged_b = _scalars(full), _scalars(part)
    for it in range(N // 2 + 1, N + 1):
        for key, value in logged_a[it].items():
            if key not in _TIMING and logged_b[it].get(key) != value:
                diffs.append(f'logged {key} at iter {it}')
    if not _random_states_equal(a['random_state'], b['random_state']):
        diffs.append('random_state')
    return a, b, diffs


def test_resume_restores_what_was_saved(depth_runs):
    """What the resumed run continues from equals the uninterrupted run at N/2."""
    a, b, _ = _compare(depth_runs['full'], depth_runs['part'])
    half = _load(depth_runs['part'] / f'iter_{N // 2}.pth')
    hist_b = b['message_hub']['log_scalars']['train/loss']['log_history']
    assert torch.equal(hist_b[:N // 2],
                       half['message_hub']['log_scalars']['train/loss']['log_history'])
    hist_a = a['message_hub']['log_scalars']['train/loss']['log_history']
    assert torch.equal(hist_a[:N // 2], hist_b[:N // 2])  # the first half is the same run
    assert a['optimizer']['param_groups'][0]['lr'] == b['optimizer']['param_groups'][0]['lr']
    assert a['param_schedulers'] == b['param_schedulers']
    assert a['meta']['seed'] == b['meta']['seed'] == 0
    steps_a = {int(s['step']) for s in a['optimizer']['state'].values() if 'step' in s}
    steps_b = {int(s['step']) for s in b['optimizer']['state'].values() if 'step' in s}
    assert steps_a == steps_b == {N}
    assert a['state_dict'].keys() == b['state_dict'].keys()
    assert half['random_state']['world_size'] == 1 and len(half['random_state']['ranks']) == 1


@pytest.fixture(scope='module')
def seg_init(tiny_seg_root, tmp_path_factory):
    """A tiny mmseg EncoderDecoder trained 2 iterations by tools/train.py."""
    work = tmp_path_factory.mktemp('seg')
    _run(['tools/train.py', SEG_CFG, '--work-dir', str(work), '--cfg-options',
          'train_cfg.max_iters=2', f'train_dataloader.dataset.data_root={tiny_seg_root}',
          f'val_dataloader.dataset.data_root={tiny_seg_root}'])
    return work / 'iter_2.pth'


@pytest.fixture(scope='module', params=['depth-workers0', 'depth-workers2', 'seg-workers0',
                                        'seg-workers2'])
def resumed(request, tmp_path_factory):
    """The uninterrupted and the resumed run of each model and worker count."""
    model, workers = request.param.split('-workers')
    if request.param == 'depth-workers0':
        return request.getfixturevalue('depth_runs')
    tmp = tmp_path_factory.mktemp(f'resume_{request.param}')
    if model == 'depth':
        cfg = _depth_config(tmp, request.getfixturevalue('synthetic_kitti'), int(workers))
    else:
        cfg = _seg_config(tmp, request.getfixturevalue('tiny_seg_root'),
                          request.getfixturevalue('seg_init'), int(workers))
    return _resume_runs(tmp, cfg, interrupt=False)


def test_resume_equals_uninterrupted_run(resumed):
    """Weights, optimizer state, every logged training value after the resume point and
    the random state: N/2 + resume gives the uninterrupted run bit for bit, with the
    torch draws of the training step (colour jitter, automask noise, dropout), the
    pipeline's flips, data-loader workers and a validation between the save and the next
    iteration of the uninterrupted run."""
    a, b, diffs = _compare(resumed['full'], resumed['part'])
    assert not diffs, f'{len(diffs)} differences, first: {diffs[:5]}'
    assert len(a['state_dict']) > 20 and len(a['optimizer']['state']) > 10
    assert any(k.startswith('val/') for k in a['message_hub']['log_scalars'])  # it validated
    assert 'restored the random state saved with the checkpoint' in resumed['log']


# Runs with mmdepthpretrain hidden (a meta-path finder refuses it, so neither PYTHONPATH
# nor the editable install can provide it) and mmengine's own loader untouched.
_WITHOUT_PLUGIN = r'''
import importlib.abc, sys

# A plain mmseg install: mmseg's own requirements, so neither the plugin nor the optional
# mmdet (whose mmpretrain import chain depends on the installed transformers).
HIDDEN = ('mmdepthpretrain', 'mmdet', 'mmpretrain')


class HidePlugin(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in HIDDEN:
            raise ModuleNotFoundError(f'No module named {name!r}', name=name)

sys.meta_path.insert(0, HidePlugin())
try:
    import mmdepthpretrain  # noqa: F401
except ImportError:
    pass
else:
    raise SystemExit('mmdepthpretrain is importable')

import torch
from mmengine.config import Config
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner import CheckpointLoader, load_checkpoint
from mmengine.runner.checkpoint import load_from_local
from mmseg.registry import MODELS
from mmseg.utils import register_all_modules

assert CheckpointLoader._schemes[''] is load_from_local
seg_cfg, seg_ckpt, *depth_ckpts = sys.argv[1:]
for path in [seg_ckpt, *depth_ckpts]:
    plain = torch.load(path, map_location='cpu', weights_only=True)
    ckpt = CheckpointLoader.load_checkpoint(path, map_location='cpu')
    assert plain['state_dict'].keys() == ckpt['state_dict'].keys()
    assert all(torch.equal(v, ckpt['state_dict'][k]) for k, v in plain['state_dict'].items())
    assert 'optimizer' in ckpt and ckpt['meta']['iter'] > 0
    hub = MessageHub.get_instance(path)  # a plain Runner's resume step: no error
    hub.load_state_dict(ckpt['message_hub'])
    assert not any(isinstance(v, HistoryBuffer) for v in hub.log_scalars.values())
    print('loaded', path)

register_all_modules()
cfg = Config.fromfile(seg_cfg, import_custom_modules=False)
model = MODELS.build(cfg.model)
load_checkpoint(model, seg_ckpt, map_location='cpu', strict=True)
print('strict load into mmseg EncoderDecoder')
'''


def test_checkpoints_load_without_the_plugin(seg_init, depth_runs):
    """A plain mmseg/mmengine environment (no mmdepthpretrain) under torch's weights_only
    default loads what tools/train.py wrote, before and after a resume."""
    depth = [depth_runs['part'] / f'iter_{N // 2}.pth', depth_runs['part'] / f'iter_{N}.pth']
    for path in [seg_init, *depth]:
        assert torch.serialization.get_unsafe_globals_in_checkpoint(str(path)) == []
    env = dict(os.environ, PYTHONPATH='', OMP_NUM_THREADS='1')
    proc = subprocess.run(
        [sys.executable, '-c', _WITHOUT_PLUGIN, SEG_CFG, str(seg_init), *map(str, depth)],
        cwd=str(seg_init.parent), env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert proc.stdout.count('loaded ') == 3
    assert 'strict load into mmseg EncoderDecoder' in proc.stdout
