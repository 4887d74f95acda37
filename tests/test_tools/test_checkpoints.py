"""Checkpoints written by tools/train.py: they load without the plugin and under torch's
weights_only default, and resuming continues the interrupted run."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

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


def _depth_config(tmp_path, root):
    """The synthetic M config, tiny: batch 2, no workers, seed 0, checkpoints every 2."""
    cfg = tmp_path / 'depth_tiny.py'
    cfg.write_text(f"""
_base_ = {DEPTH_CFG!r}
custom_imports = dict(imports=['mmdepthpretrain', 'tests.test_tools.interrupt_hook'],
                      allow_failed_imports=False)
randomness = dict(seed=0)
train_cfg = dict(max_iters={N}, val_interval=1000)
default_hooks = dict(checkpoint=dict(interval=2, max_keep_ckpts=3),
                     logger=dict(interval=1), visualization=dict(interval=1000))
custom_hooks = [dict(type='InterruptTrainingHook', stop_at=0)]
loader = dict(num_workers=0, persistent_workers=False)
train_dataloader = dict(batch_size=2, **loader, dataset=dict(
    data_root={root!r}, split_cfg=dict(exclude_scenes=[{VAL_DRIVE!r}])))
val_dataloader = dict(**loader, dataset=dict(
    data_root={root!r}, split_cfg=dict(include_scenes=[{VAL_DRIVE!r}])))
test_dataloader = val_dataloader
""")
    return str(cfg)


def _resume_runs(tmp, root, *opts):
    """An uninterrupted run of N iterations and one interrupted after N/2, then resumed."""
    cfg = _depth_config(tmp, root)
    full, part = tmp / 'full', tmp / 'part'
    extra = ['--cfg-options', *opts] if opts else []
    _run(['tools/train.py', cfg, '--work-dir', str(full), *extra])
    proc = _run(['tools/train.py', cfg, '--work-dir', str(part), '--cfg-options',
                 f'custom_hooks.0.stop_at={N // 2}', *opts], check=False)
    assert proc.returncode == 3, proc.stderr[-3000:]
    assert osp.isfile(part / f'iter_{N // 2}.pth') and not osp.isfile(part / f'iter_{N}.pth')
    resumed = _run(['tools/train.py', cfg, '--work-dir', str(part), '--resume', *extra])
    return dict(full=full, part=part, log=resumed.stdout + resumed.stderr)


@pytest.fixture(scope='module')
def depth_runs(synthetic_kitti, tmp_path_factory):
    """The config as users run it (colour jitter, automask noise, random flips)."""
    return _resume_runs(tmp_path_factory.mktemp('resume'), synthetic_kitti)


@pytest.fixture(scope='module')
def depth_runs_without_torch_draws(synthetic_kitti, tmp_path_factory):
    """The same without the two draws from torch's global generator during training: the
    preprocessor's colour jitter and the photometric loss's automask noise. Flips (numpy,
    in the pipeline) stay."""
    return _resume_runs(tmp_path_factory.mktemp('resume_exact'), synthetic_kitti,
                        'model.data_preprocessor.color_jitter.prob=0.0',
                        'model.photometric_loss.automask_noise=0.0')


def _load(path):
    return torch.load(path, map_location='cpu', weights_only=True)


def test_resume_continues_under_weights_only(depth_runs):
    log = depth_runs['log']
    assert f'resumed epoch: 0, iter: {N // 2}' in log, log[-3000:]
    assert f'Iter(train) [{N // 2 + 1}/{N}]' in log
    assert 'Iter(train) [1/' not in log
    assert 'is not HistoryBuffer' not in log  # the log history came back
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
    for key in ('train/loss', 'train/loss_photometric', 'train/loss_smoothness'):
        la = a['message_hub']['log_scalars'][key]['log_history']
        lb = b['message_hub']['log_scalars'][key]['log_history']
        if not torch.equal(la, lb):
            diffs.append(f'{key} {la.tolist()} vs {lb.tolist()}')
    logged_a, logged_b = _scalars(full), _scalars(part)
    for it in range(N // 2 + 1, N + 1):
        if logged_a[it]['loss'] != logged_b[it]['loss']:
            diffs.append(f'logged loss at iter {it}')
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


def test_resume_is_exact_without_torch_draws(depth_runs_without_torch_draws):
    """Weights, optimizer state, the message hub and the data order (sampler, flips)
    resume exactly: N/2 + resume gives the uninterrupted run bit for bit."""
    runs = depth_runs_without_torch_draws
    a, b, diffs = _compare(runs['full'], runs['part'])
    assert diffs == []
    assert len(a['state_dict']) > 200 and len(a['optimizer']['state']) > 100


@pytest.mark.xfail(strict=True, reason=(
    "resume does not restore torch's global random state (mmengine saves none; the resumed "
    'process seeds at start, so the generator does not continue from where N/2 iterations '
    'left it): the colour jitter of MultiFrameDataPreProcessor and the automask noise of '
    'PhotometricReprojectionLoss draw other numbers after the resume point. Measured (N=4): the '
    'loss at iteration 3 differs by about 1e-4 (jitter) and 1e-8 (noise alone), and 236 of '
    '276 state_dict tensors and every Adam moment differ at iteration 4; with both off, '
    'test_resume_is_exact_without_torch_draws passes'))
def test_resume_equals_uninterrupted_run(depth_runs):
    _, _, diffs = _compare(depth_runs['full'], depth_runs['part'])
    assert not diffs, f'{len(diffs)} differences, first: {diffs[:5]}'


@pytest.fixture(scope='module')
def seg_checkpoint(tiny_seg_root, tmp_path_factory):
    """A tiny mmseg EncoderDecoder trained 2 iterations by tools/train.py."""
    work = tmp_path_factory.mktemp('seg')
    _run(['tools/train.py', SEG_CFG, '--work-dir', str(work), '--cfg-options',
          'train_cfg.max_iters=2', f'train_dataloader.dataset.data_root={tiny_seg_root}',
          f'val_dataloader.dataset.data_root={tiny_seg_root}'])
    return work / 'iter_2.pth'


# Runs with mmdepthpretrain hidden (a meta-path finder refuses it, so neither PYTHONPATH
# nor the editable install can provide it) and mmengine's own loader untouched.
_WITHOUT_PLUGIN = r'''
import importlib.abc, sys

class HidePlugin(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] == 'mmdepthpretrain':
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


def test_checkpoints_load_without_the_plugin(seg_checkpoint, depth_runs):
    """A plain mmseg/mmengine environment (no mmdepthpretrain) under torch's weights_only
    default loads what tools/train.py wrote, before and after a resume."""
    depth = [depth_runs['part'] / f'iter_{N // 2}.pth', depth_runs['part'] / f'iter_{N}.pth']
    for path in [seg_checkpoint, *depth]:
        assert torch.serialization.get_unsafe_globals_in_checkpoint(str(path)) == []
    env = dict(os.environ, PYTHONPATH='', OMP_NUM_THREADS='1')
    proc = subprocess.run(
        [sys.executable, '-c', _WITHOUT_PLUGIN, SEG_CFG, str(seg_checkpoint), *map(str, depth)],
        cwd=str(seg_checkpoint.parent), env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert proc.stdout.count('loaded ') == 3
    assert 'strict load into mmseg EncoderDecoder' in proc.stdout
