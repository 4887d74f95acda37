"""The user's journey on a tiny synthetic world, through the same tools users run:
pre-train depth -> convert -> fine-tune (depth init and random init) -> test."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

pytestmark = pytest.mark.heavy

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEPTH_CFG = 'configs/synthetic/monodepth2-m_r18_1xb4-400_synthetic-320x96.py'
SEG_CFG = 'configs/synthetic/depthseg_r18-{}_1xb4-300_synthetic-320x96.py'


def _run(*args, timeout=600):
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get('PYTHONPATH', ''))
    proc = subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f'{args[:2]} failed:\n{out[-4000:]}'
    return out


def _loader_opts(prefix, root, **extra):
    opts = [f'{prefix}.dataset.data_root={root}', f'{prefix}.num_workers=0',
            f'{prefix}.persistent_workers=False']
    opts += [f'{prefix}.{k}={v}' for k, v in extra.items()]
    return opts


@pytest.fixture(scope='module')
def depth_run(synthetic_kitti, tmp_path_factory):
    work = tmp_path_factory.mktemp('journey') / 'depth'
    drive_train, drive_val = '2011_01_01_drive_0001_sync', '2011_01_01_drive_0002_sync'
    _run('tools/train.py', DEPTH_CFG, '--work-dir', str(work), '--cfg-options',
         'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
         'default_hooks.checkpoint.interval=2',
         *_loader_opts('train_dataloader', synthetic_kitti, batch_size=2),
         f'train_dataloader.dataset.split_cfg.exclude_scenes=[{drive_val}]',
         *_loader_opts('val_dataloader', synthetic_kitti),
         f'val_dataloader.dataset.split_cfg.include_scenes=[{drive_val}]',
         f'test_dataloader.dataset.split_cfg.include_scenes=[{drive_val}]')
    assert drive_train  # documents which drive trains
    ckpt = work / 'iter_2.pth'
    assert ckpt.is_file()
    return ckpt


def _finetune(setup, root, work, load_from=None):
    opts = ['train_cfg.max_iters=2', 'train_cfg.val_interval=2',
            'default_hooks.checkpoint.interval=2',
            *_loader_opts('train_dataloader', root, batch_size=2),
            'train_dataloader.dataset.num_labelled=4',
            *_loader_opts('val_dataloader', root), 'val_dataloader.dataset.num_labelled=4',
            'test_dataloader.dataset.num_labelled=4']
    if load_from:
        opts.append(f'load_from={load_from}')
    return _run('tools/train.py', SEG_CFG.format(setup), '--work-dir', str(work),
                '--cfg-options', *opts)


def test_pretrain_convert_finetune_test(depth_run, synthetic_kitti, tmp_path):
    seg_init = tmp_path / 'depth_full.pth'
    out = _run('tools/model_converters/pretrain_to_seg.py', str(depth_run), str(seg_init),
               '--mode', 'full')
    assert seg_init.is_file() and 'decode_head.convs' in out

    log = _finetune('depth-full', synthetic_kitti, tmp_path / 'seg_depth', seg_init)
    # only the fresh classifier is missing from the initialisation file
    assert 'missing keys in source state_dict: decode_head.conv_seg.weight, ' \
           'decode_head.conv_seg.bias' in log, log[-3000:]
    assert 'unexpected key' not in log
    assert 'mIoU7_per_image' in log

    _finetune('random-full', synthetic_kitti, tmp_path / 'seg_random')
    for name in ('seg_depth', 'seg_random'):
        assert (tmp_path / name / 'iter_2.pth').is_file()

    metrics = tmp_path / 'metrics.json'
    out = _run('tools/test.py', SEG_CFG.format('depth-full'),
               str(tmp_path / 'seg_depth' / 'iter_2.pth'), '--work-dir', str(tmp_path / 't'),
               '--out', str(metrics), '--cfg-options',
               *_loader_opts('test_dataloader', synthetic_kitti),
               'test_dataloader.dataset.num_labelled=4')
    result = json.loads(metrics.read_text())
    for key in ('aAcc', 'mIoU', 'mIoU7_dataset', 'mIoU7_per_image'):
        assert key in result and key in out
        assert 0.0 <= result[key] <= 100.0


def test_missing_initialisation_names_converter(tmp_path):
    """Run from an empty folder, where the config's relative init file does not exist; the
    config says how that file is made (``init_from``) and the one-line error gives the
    command."""
    source = 'work_dirs/monodepth2-m_r18_1xb4-400_synthetic-320x96/iter_400.pth'
    config = tmp_path / 'seg_depth_full.py'
    config.write_text(
        f"_base_ = '{osp.join(REPO, SEG_CFG.format('depth-full'))}'\n"
        "load_from = 'pretrain/synthetic/depth_r18_full.pth'\n"
        f"init_from = dict(converter='pretrain_to_seg', source='{source}', mode='full')\n")
    env = dict(os.environ, PYTHONPATH=REPO)
    proc = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools/train.py'), str(config)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    err = proc.stderr.strip()
    assert 'pretrain/synthetic/depth_r18_full.pth' in err
    assert err.endswith(
        '(make it with: python tools/model_converters/pretrain_to_seg.py '
        f'{source} pretrain/synthetic/depth_r18_full.pth --mode full)'), err
    assert len(err.splitlines()) == 1, err
