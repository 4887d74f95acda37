"""Inject faults into tiny synthetic runs and print what the user sees, as a Markdown table.

Every fault runs the tools a user runs (``tools/train.py``, ``tools/dist_train.sh``, the
converters) in subprocesses on a tiny synthetic world and a tiny segmentation set, in a
temporary folder; each row says what the user sees (the one line on stderr, or the log
line that matters) and whether data was lost (a checkpoint, a finished iteration's work
beyond the last checkpoint, an input file). About 10 minutes on 2 busy cores.

Examples:
    python tools/misc/fault_report.py                 # every fault
    python tools/misc/fault_report.py --only corrupt-checkpoint unknown-key
    python tools/misc/fault_report.py --list
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SEG_CFG = osp.join(REPO, 'tests', 'data', 'tiny_seg.py')
DEPTH_CFG = osp.join(REPO, 'configs/synthetic/monodepth2-m_r18_1xb4-400_synthetic-320x96.py')
VAL_DRIVE = '2011_01_01_drive_0002_sync'
PROBES = "['mmdepthpretrain', 'tests.test_tools.probe_hooks', 'tests.test_tools.interrupt_hook']"


class Env:
    """The temporary folder, the data and the helpers every fault uses."""

    def __init__(self, tmp: str) -> None:
        self.tmp = tmp
        self.n = 0

    @property
    def world(self) -> str:
        """A KITTI-layout synthetic world: 2 drives of 6 frames at 320x96 (made once)."""
        root = osp.join(self.tmp, 'world')
        if not osp.isdir(root):
            from mmdepthpretrain.datasets.synthetic import generate_world
            generate_world(root, layout='kitti', sequences=2, frames=6, size=(320, 96),
                           seed=0, semantic_images=8, workers=1, contact_sheet=False)
        return root

    @property
    def seg(self) -> str:
        """Six 64x64 images with a bright square, labelled 1 on 0 (made once)."""
        root = osp.join(self.tmp, 'seg')
        if not osp.isdir(root):
            import cv2
            import numpy as np
            rng = np.random.default_rng(0)
            for sub in ('img', 'ann'):
                os.makedirs(osp.join(root, sub))
            for i in range(6):
                img = rng.integers(0, 60, (64, 64, 3), dtype=np.uint8)
                ann = np.zeros((64, 64), np.uint8)
                y, x = rng.integers(0, 32, 2)
                img[y:y + 24, x:x + 24] += 150
                ann[y:y + 24, x:x + 24] = 1
                cv2.imwrite(osp.join(root, 'img', f'{i}.png'), img)
                cv2.imwrite(osp.join(root, 'ann', f'{i}.png'), ann)
        return root

    def path(self, name: str) -> str:
        self.n += 1
        return osp.join(self.tmp, f'{self.n:02d}_{name}')

    def env(self) -> dict:
        env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1')
        env.pop('MMDEPTHPRETRAIN_DEBUG', None)
        return env

    def run(self, *args, timeout=600) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, *args], cwd=REPO, env=self.env(),
                              capture_output=True, text=True, timeout=timeout)

    def short(self, text: str) -> str:
        return text.replace(self.tmp + os.sep, '').replace(REPO + os.sep, '')

    def error(self, proc) -> str:
        """The error line the tool printed (the last line on stderr), shortened."""
        lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
        line = lines[-1] if lines else f'(exit {proc.returncode}, nothing on stderr)'
        one = 'one line' if ': error: ' in line and 'Traceback' not in proc.stderr else \
            'traceback'
        return f'{one}, exit {proc.returncode}: `{self.short(line)}`'

    def seg_config(self, name: str, body: str = '') -> str:
        path = self.path(f'{name}.py')
        with open(path, 'w') as f:
            f.write(f"""_base_ = {SEG_CFG!r}
custom_imports = dict(imports={PROBES}, allow_failed_imports=False)
randomness = dict(seed=0, deterministic=True)
train_cfg = dict(max_iters=4, val_interval=2)
default_hooks = dict(checkpoint=dict(interval=2, max_keep_ckpts=2,
                                     backend_args=dict(backend='atomic_local')))
train_dataloader = dict(dataset=dict(data_root={self.seg!r}))
val_dataloader = dict(dataset=dict(data_root={self.seg!r}))
test_dataloader = val_dataloader
{body}""")
        return path

    def depth_opts(self, root: str, *extra: str) -> list:
        return ['--cfg-options', f'train_dataloader.dataset.data_root={root}',
                f'val_dataloader.dataset.data_root={root}', 'train_dataloader.batch_size=6',
                'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
                f'train_dataloader.dataset.split_cfg.exclude_scenes=[{VAL_DRIVE}]',
                f'val_dataloader.dataset.split_cfg.include_scenes=[{VAL_DRIVE}]',
                'train_cfg.max_iters=1', *extra]

    def checkpoint(self) -> str:
        """A complete checkpoint of the tiny segmentation model (made once)."""
        path = osp.join(self.tmp, 'seg_run', 'iter_2.pth')
        if not osp.isfile(path):
            proc = self.run('tools/train.py', self.seg_config('base'), '--work-dir',
                            osp.dirname(path), '--cfg-options', 'train_cfg.max_iters=2')
            assert proc.returncode == 0, proc.stderr[-3000:]
        return path


def _load(path):
    import torch
    return torch.load(path, map_location='cpu', weights_only=True)


def _same_weights(a: str, b: str) -> bool:
    import torch
    sa, sb = _load(a)['state_dict'], _load(b)['state_dict']
    return sa.keys() == sb.keys() and all(torch.equal(v, sb[k]) for k, v in sa.items())


def _kill_when(env: Env, args: list, ready) -> None:
    proc = subprocess.Popen([sys.executable, 'tools/train.py', *args], cwd=REPO,
                            env=env.env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        for line in proc.stdout:
            if ready(line):
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)


# -- the faults: each returns (what the user sees, data lost) -------------------------------
def kill_during_save(env: Env):
    cfg = env.seg_config('kill_save', "custom_hooks = [dict(type='SlowSaveHook', at=0)]")
    work = env.path('kill_save')
    _kill_when(env, [cfg, '--work-dir', work, '--cfg-options', 'custom_hooks.0.at=4'],
               lambda ln: ln.startswith('SAVING'))
    left = sorted(os.listdir(work))
    marker = open(osp.join(work, 'last_checkpoint')).read().strip()
    proc = env.run('tools/train.py', cfg, '--work-dir', work, '--resume')
    ok = proc.returncode == 0 and 'resumed epoch: 0, iter: 2' in proc.stdout + proc.stderr
    seen = (f'after the kill: {", ".join(n for n in left if n.endswith(".pth"))} complete, '
            f'a hidden .iter_4.pth.*.tmp, last_checkpoint -> {osp.basename(marker)}; '
            f'`--resume` continues from iter_2.pth and removes the partial file '
            f'({"ok" if ok else "FAILED"})')
    return seen, not ok or 'iter_4.pth' in left


def kill_after_save(env: Env):
    cfg = env.seg_config('kill_after')
    full, part = env.path('full'), env.path('part')
    env.run('tools/train.py', cfg, '--work-dir', full)
    marker = osp.join(part, 'last_checkpoint')
    _kill_when(env, [cfg, '--work-dir', part],
               lambda ln: 'Iter(train) [3/4]' in ln and osp.isfile(marker))
    proc = env.run('tools/train.py', cfg, '--work-dir', part, '--resume')
    same = proc.returncode == 0 and _same_weights(osp.join(full, 'iter_4.pth'),
                                                  osp.join(part, 'iter_4.pth'))
    return (f'`--resume` continues from iter_2.pth; final weights '
            f'{"equal" if same else "DIFFER FROM"} the uninterrupted run bit for bit'), not same


def torn_last_checkpoint(env: Env):
    cfg, work = env.seg_config('torn'), env.path('torn')
    env.run('tools/train.py', cfg, '--work-dir', work, '--cfg-options', 'train_cfg.max_iters=2')
    open(osp.join(work, 'last_checkpoint'), 'w').close()
    proc = env.run('tools/train.py', cfg, '--work-dir', work, '--resume')
    warn = [ln for ln in (proc.stdout + proc.stderr).splitlines() if 'is empty; resuming' in ln]
    ok = proc.returncode == 0 and bool(warn)
    return (f'warning `{env.short(warn[0].split(" - ")[-1]) if warn else "?"}`, '
            f'training continues'), not ok


def _bad_checkpoint(env: Env, name: str, damage):
    path = env.path(f'{name}.pth')
    shutil.copy(env.checkpoint(), path)
    with open(path, 'rb') as f:
        data = bytearray(f.read())
    with open(path, 'wb') as f:
        f.write(damage(data))
    before = open(path, 'rb').read()
    proc = env.run('tools/train.py', env.seg_config(name), '--work-dir', env.path(name),
                   '--cfg-options', f'load_from={path}')
    return env.error(proc), open(path, 'rb').read() != before


def truncated_checkpoint(env):
    return _bad_checkpoint(env, 'truncated', lambda d: d[:len(d) // 3])


def random_bytes_checkpoint(env):
    return _bad_checkpoint(env, 'random', lambda d: os.urandom(len(d)))


def corrupt_checkpoint(env):
    def flip(data):
        data[len(data) // 2] ^= 0xFF
        return bytes(data)
    return _bad_checkpoint(env, 'bitflip', flip)


def malicious_checkpoint(env):
    import torch
    path, marker = env.path('evil.pth'), env.path('owned')

    class Evil:
        def __reduce__(self):
            return (os.system, (f'touch {marker}',))

    torch.save({'state_dict': {}, 'x': Evil()}, path)
    proc = env.run('tools/train.py', env.seg_config('evil'), '--work-dir', env.path('evil'),
                   '--resume', path)
    ran = osp.exists(marker)
    return env.error(proc) + ('; the payload RAN' if ran else '; nothing in it ran'), ran


def missing_frame(env):
    root = env.path('world_missing')
    shutil.copytree(env.world, root)
    folder = osp.join(root, '2011_01_01', '2011_01_01_drive_0001_sync', 'image_02', 'data')
    os.remove(osp.join(folder, sorted(os.listdir(folder))[3]))
    proc = env.run('tools/train.py', DEPTH_CFG, '--work-dir', env.path('missing'),
                   *env.depth_opts(root))
    lines = [ln.split(' - ')[-1] for ln in (proc.stdout + proc.stderr).splitlines()
             if 'dropped' in ln]
    strict = env.run('tools/train.py', DEPTH_CFG, '--work-dir', env.path('missing_strict'),
                     *env.depth_opts(root, "train_dataloader.dataset.on_missing='error'"))
    first = strict.stderr.strip().splitlines()
    fatal = [ln for ln in first if 'error:' in ln]
    return (f'warning `{env.short(lines[0]) if lines else "none"}` and a line per drive; '
            f"with on_missing='error': exit {strict.returncode}, "
            f'`{env.short(fatal[0]) if fatal else "?"}` + the report'), not lines


def truncated_png(env):
    root = env.path('world_png')
    shutil.copytree(env.world, root)
    folder = osp.join(root, '2011_01_01', '2011_01_01_drive_0001_sync', 'image_02', 'data')
    victim = osp.join(folder, sorted(os.listdir(folder))[2])
    with open(victim, 'rb') as f:
        data = f.read()
    with open(victim, 'wb') as f:
        f.write(data[:len(data) // 3])
    proc = env.run('tools/train.py', DEPTH_CFG, '--work-dir', env.path('png'),
                   *env.depth_opts(root, 'train_dataloader.num_workers=2'))
    return env.error(proc) + ' (2 data-loader workers)', False


def empty_data_root(env):
    root = env.path('empty')
    os.makedirs(root)
    proc = env.run('tools/train.py', DEPTH_CFG, '--work-dir', env.path('empty_run'),
                   *env.depth_opts(root))
    return env.error(proc), False


def unknown_key(env):
    proc = env.run('tools/train.py', SEG_CFG, '--cfg-options', 'nonexistent_key=1')
    return env.error(proc), False


def misspelt_nested_key(env):
    proc = env.run('tools/train.py', SEG_CFG, '--cfg-options', 'model.backbon.depth=50')
    return env.error(proc), False


def non_finite_loss(env):
    work = env.path('nan')
    proc = env.run('tools/train.py', env.seg_config('nan'), '--work-dir', work,
                   '--cfg-options', 'model.decode_head.loss_decode.loss_weight=nan')
    saved = [n for n in os.listdir(work) if n.endswith('.pth')] if osp.isdir(work) else []
    return env.error(proc) + ('' if not saved else f'; saved {saved}'), bool(saved)


def invalid_min_depth(env):
    proc = env.run('tools/train.py', DEPTH_CFG, '--cfg-options', 'model.min_depth=-1')
    return env.error(proc), False


def broken_install(env):
    code = ("import importlib.abc, runpy, sys\n"
            "class Hide(importlib.abc.MetaPathFinder):\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name == 'mmcv._ext':\n"
            "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
            "sys.meta_path.insert(0, Hide())\n"
            f"sys.argv = ['tools/train.py', {SEG_CFG!r}]\n"
            "runpy.run_path('tools/train.py', run_name='__main__')\n")
    return env.error(env.run('-c', code)) + ' (mmcv._ext hidden)', False


def truncated_converter_source(env):
    src, dst = env.path('src.pth'), env.path('dst.pth')
    with open(env.checkpoint(), 'rb') as f:
        data = f.read()
    with open(src, 'wb') as f:
        f.write(data[:len(data) // 2])
    proc = env.run('tools/model_converters/pretrain_to_seg.py', src, dst)
    return env.error(proc), False


def two_processes(env):
    import torch
    cfg = env.seg_config('dist', "custom_hooks = [dict(type='RankParamsHook')]")
    work = env.path('dist')
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    run_env = dict(env.env(), PORT=str(port), PYTHON=sys.executable)
    proc = subprocess.run(['bash', 'tools/dist_train.sh', cfg, '2', '--work-dir', work],
                          cwd=REPO, env=run_env, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        return env.error(proc), True
    p0, p1 = (_load(osp.join(work, f'rank{r}.pth'))['params'] for r in (0, 1))
    same = all(torch.equal(v, p1[k]) for k, v in p0.items())
    logs = [n for _, _, files in os.walk(work) for n in files if n.endswith('.log')]
    return (f'both ranks hold {"identical" if same else "DIFFERENT"} parameters after 4 steps; '
            f'{len(logs)} log files (rank 0 and rank 1)'), not same


FAULTS = {
    'kill-during-save': ('kill -9 during a checkpoint save', kill_during_save),
    'kill-after-save': ('kill -9 after a checkpoint, then `--resume`', kill_after_save),
    'torn-last-checkpoint': ('empty `last_checkpoint` (kill while mmengine rewrites it)',
                             torn_last_checkpoint),
    'truncated-checkpoint': ('truncated checkpoint as `load_from`', truncated_checkpoint),
    'random-checkpoint': ('random bytes as `load_from`', random_bytes_checkpoint),
    'corrupt-checkpoint': ('one flipped byte in a checkpoint', corrupt_checkpoint),
    'malicious-checkpoint': ('malicious pickle as `--resume`', malicious_checkpoint),
    'missing-frame': ('one image deleted in the middle of a drive', missing_frame),
    'truncated-png': ('truncated PNG', truncated_png),
    'empty-data-root': ('empty data root', empty_data_root),
    'unknown-key': ('`--cfg-options nonexistent_key=1`', unknown_key),
    'misspelt-key': ('`--cfg-options model.backbon.depth=50`', misspelt_nested_key),
    'non-finite-loss': ('non-finite loss', non_finite_loss),
    'invalid-min-depth': ('`model.min_depth=-1`', invalid_min_depth),
    'broken-install': ('mmcv without its compiled ops (`pip install .` alone)', broken_install),
    'converter-source': ('truncated converter source', truncated_converter_source),
    'two-processes': ('two-process CPU training (`tools/dist_train.sh CONFIG 2`)', two_processes),
}


def _cell(text: str) -> str:
    return re.sub(r'\s+', ' ', text).replace('|', '\\|')


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--only', nargs='+', choices=sorted(FAULTS), help='faults to run')
    parser.add_argument('--list', action='store_true', help='list the faults and exit')
    parser.add_argument('--keep', help='run in this folder and keep it (default: a '
                        'temporary folder, removed)')
    args = parser.parse_args(argv)
    if args.list:
        for name, (title, _) in FAULTS.items():
            print(f'{name:24s} {title}')
        return 0
    names = args.only or list(FAULTS)
    tmp = osp.abspath(args.keep) if args.keep else tempfile.mkdtemp(prefix='faults_')
    os.makedirs(tmp, exist_ok=True)
    sys.path.insert(0, REPO)
    rows, lost_any = [], False
    try:
        env = Env(tmp)
        for name in names:
            title, fault = FAULTS[name]
            start = time.time()
            try:
                seen, lost = fault(env)
            except Exception as exc:  # noqa: BLE001 - a fault that broke the harness
                seen, lost = f'HARNESS FAILED: {type(exc).__name__}: {exc}', True
            lost_any |= bool(lost)
            rows.append((title, seen, 'yes' if lost else 'no'))
            print(f'[{time.time() - start:5.0f} s] {name}', file=sys.stderr, flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print('| fault | what the user sees | data lost |')
    print('|---|---|---|')
    for title, seen, lost in rows:
        print(f'| {_cell(title)} | {_cell(seen)} | {lost} |')
    return 1 if lost_any else 0


if __name__ == '__main__':
    sys.exit(main())
