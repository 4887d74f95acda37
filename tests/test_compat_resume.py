"""The pieces of an exact, robust resume: random state, the resume checkpoint, partial
saves, atomic checkpoint writes, and the stop at a non-finite loss (in-process, fast)."""
import os.path as osp
import random
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmdepthpretrain.compat import (
    CorruptCheckpointError,
    FiniteLossHook,
    RandomStateHook,
    build_runner,
    find_resume_checkpoint,
    get_random_state,
    prepare_resume,
    remove_partial_saves,
    set_random_state,
)
from mmdepthpretrain.compat.random_state import _RestoreBeforeNext

CONFIG = osp.join(osp.dirname(osp.abspath(__file__)), 'data', 'tiny_seg.py')


def _draws():
    return (torch.rand(3).tolist(), np.random.rand(3).tolist(), [random.random() for _ in range(3)],
            np.random.randn(1).tolist())


def test_random_state_round_trip_through_a_weights_only_file(tmp_path):
    np.random.randn()  # leaves a cached gaussian in numpy's state
    state = get_random_state()
    expected = _draws()
    torch.save({'random_state': state}, tmp_path / 's.pth')
    loaded = torch.load(tmp_path / 's.pth', weights_only=True)['random_state']
    _draws()
    set_random_state(loaded)
    assert _draws() == expected


def test_restore_happens_after_the_replayed_batches():
    calls = []
    loop = SimpleNamespace()
    inner = iter(range(10))
    loop.dataloader_iterator = _RestoreBeforeNext(loop, inner, 3, lambda: calls.append('restore'))
    got = [next(loop.dataloader_iterator) for _ in range(3)]
    assert got == [0, 1, 2] and calls == []  # mmengine's replay of the resumed part
    assert next(loop.dataloader_iterator) == 3 and calls == ['restore']
    assert loop.dataloader_iterator is inner  # unwrapped itself


def test_validation_draws_from_a_copy():
    hook = RandomStateHook()
    runner = SimpleNamespace(iter=5)
    torch.manual_seed(1)
    expected = torch.rand(2)
    torch.manual_seed(1)
    hook.before_val(runner)
    torch.rand(100)  # what a validation draws
    hook.after_val(runner)
    assert torch.equal(torch.rand(2), expected)


def test_state_saved_with_the_checkpoint_and_only_resume_restores(tmp_path):
    hook = RandomStateHook()
    ckpt = {}
    torch.manual_seed(7)
    hook.before_save_checkpoint(SimpleNamespace(iter=3), ckpt)
    expected = torch.rand(4)
    assert ckpt['random_state']['world_size'] == 1 and len(ckpt['random_state']['ranks']) == 1
    hook.after_load_checkpoint(SimpleNamespace(_resume=False), ckpt)  # load_from
    assert hook._pending is None
    hook.after_load_checkpoint(SimpleNamespace(_resume=True), ckpt)
    torch.rand(9)
    hook._restore()
    assert torch.equal(torch.rand(4), expected)


def test_finite_loss_hook_stops_with_the_terms():
    runner = SimpleNamespace(iter=6, message_hub=SimpleNamespace(
        get_info=lambda key: 'work/iter_6.pth'))
    hook = FiniteLossHook()
    hook.after_train_iter(runner, 6, outputs={'loss': torch.tensor(1.0)})
    with pytest.raises(FloatingPointError) as err:
        hook.after_train_iter(runner, 6, outputs={'loss': torch.tensor(float('nan')),
                                                   'decode.loss_ce': torch.tensor(float('inf')),
                                                   'decode.acc_seg': torch.tensor(50.0)})
    msg = str(err.value)
    assert msg.startswith('iteration 7: non-finite loss') and 'decode.loss_ce' in msg
    assert 'acc_seg' not in msg and 'resume from work/iter_6.pth' in msg


def _ckpt(path, seed=5):
    torch.save({'meta': {'seed': seed, 'iter': 2}, 'state_dict': {}}, path)
    return str(path)


def test_find_resume_checkpoint(tmp_path):
    assert find_resume_checkpoint(str(tmp_path / 'none')) is None
    assert find_resume_checkpoint(str(tmp_path)) is None
    for n in (2, 10, 4):
        _ckpt(tmp_path / f'iter_{n}.pth')
    _ckpt(tmp_path / 'epoch_30.pth')
    assert find_resume_checkpoint(str(tmp_path)) == str(tmp_path / 'iter_10.pth')
    marker = tmp_path / 'last_checkpoint'
    marker.write_text(str(tmp_path / 'iter_4.pth'))
    assert find_resume_checkpoint(str(tmp_path)) == str(tmp_path / 'iter_4.pth')
    marker.write_text('')  # killed while mmengine rewrote it
    assert find_resume_checkpoint(str(tmp_path)) == str(tmp_path / 'iter_10.pth')
    marker.write_text(str(tmp_path / 'iter_12.pth'))  # deleted by hand
    assert find_resume_checkpoint(str(tmp_path)) == str(tmp_path / 'iter_10.pth')


def test_remove_partial_saves_only_touches_temporary_files(tmp_path):
    keep = ['iter_2.pth', 'last_checkpoint', '.hidden', 'x.tmp', '.iter_2.pth.tmp']
    gone = ['.iter_4.pth.k2j_8dxa.tmp', '.last_checkpoint.abc123ef.tmp']
    for name in keep + gone:
        (tmp_path / name).write_bytes(b'x')
    assert remove_partial_saves(str(tmp_path)) == sorted(gone)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(keep)


def test_prepare_resume_resolves_checks_and_seeds(tmp_path):
    work = tmp_path / 'work'
    work.mkdir()
    path = _ckpt(work / 'iter_2.pth', seed=11)
    (work / '.iter_4.pth.abcdefgh.tmp').write_bytes(b'partial')
    cfg = Config(dict(work_dir=str(work), resume=True, load_from=None,
                      randomness=dict(deterministic=True)))
    prepare_resume(cfg)
    assert cfg.load_from == path and cfg.randomness == dict(deterministic=True, seed=11)
    assert not (work / '.iter_4.pth.abcdefgh.tmp').exists()
    cfg = Config(dict(work_dir=str(work), resume=True, load_from=path,
                      randomness=dict(seed=0)))
    prepare_resume(cfg)  # the checkpoint's seed wins, as mmengine intends
    assert cfg.randomness.seed == 11
    (work / 'iter_2.pth').write_bytes(b'')
    with pytest.raises(CorruptCheckpointError, match='truncated'):
        prepare_resume(Config(dict(work_dir=str(work), resume=True, load_from=None)))
    cfg = Config(dict(work_dir=str(tmp_path / 'fresh'), resume=True, load_from=None))
    prepare_resume(cfg)  # nothing to resume: trains from the start
    assert cfg.load_from is None


def _tiny(tmp_path, **fields):
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.launcher = 'none'
    cfg.merge_from_dict(fields)
    return cfg


def test_runner_gets_atomic_checkpoints_and_the_hooks(tmp_path, checkpoint_schemes):
    from mmengine.hooks import CheckpointHook

    from mmdepthpretrain.engine import AtomicLocalBackend
    runner = build_runner(_tiny(tmp_path))
    hook = next(h for h in runner.hooks if isinstance(h, CheckpointHook))
    assert hook.backend_args == dict(backend='atomic_local')
    assert {type(h) for h in runner.hooks} >= {RandomStateHook, FiniteLossHook}
    hook.before_train(runner)  # where the checkpoint hook picks its backend
    assert isinstance(hook.file_backend, AtomicLocalBackend)
    # an explicit backend or a remote out_dir is left as the config says
    cfg = _tiny(tmp_path, default_hooks=dict(checkpoint=dict(out_dir='s3://bucket/run')))
    build_runner(cfg)
    assert cfg.default_hooks.checkpoint.get('backend_args') is None
