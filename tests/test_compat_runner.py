"""build_runner and CompatRunner: the adaptations reach every runner our tools build."""
import os.path as osp

from mmengine.config import Config
from mmengine.runner import Runner

import mmdepthpretrain  # noqa: F401  (registers CompatRunner and the hook)
from mmdepthpretrain.compat import (
    COMPAT_HOOKS,
    CompatRunner,
    FiniteLossHook,
    PortableCheckpointHook,
    RandomStateHook,
    build_runner,
    safe_loading_enabled,
)

CONFIG = osp.join(osp.dirname(osp.abspath(__file__)), 'data', 'tiny_seg.py')


def _cfg(tmp_path, **fields):
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.launcher = 'none'
    cfg.merge_from_dict(fields)
    return cfg


def _portable_hooks(runner):
    return [h for h in runner.hooks if isinstance(h, PortableCheckpointHook)]


def _each_compat_hook_once(runner):
    assert set(COMPAT_HOOKS) == {PortableCheckpointHook, RandomStateHook, FiniteLossHook}
    return all(sum(isinstance(h, t) for h in runner.hooks) == 1 for t in COMPAT_HOOKS)


def test_default_is_compat_runner(tmp_path, checkpoint_schemes):
    assert not safe_loading_enabled()
    cfg = _cfg(tmp_path)
    runner = build_runner(cfg)
    assert type(runner) is CompatRunner
    assert len(_portable_hooks(runner)) == 1
    assert _each_compat_hook_once(runner)
    assert safe_loading_enabled()
    assert 'runner_type' not in cfg  # the config is left as given


def test_other_runner_type_gets_the_same_adaptations(tmp_path, checkpoint_schemes):
    runner = build_runner(_cfg(tmp_path, runner_type='Runner'))
    assert type(runner) is Runner
    assert len(_portable_hooks(runner)) == 1
    assert _each_compat_hook_once(runner)
    assert safe_loading_enabled()


def test_documented_line_and_explicit_hook_do_not_duplicate(tmp_path, checkpoint_schemes):
    from mmengine.registry import RUNNERS
    cfg = _cfg(tmp_path, runner_type='CompatRunner',
               custom_hooks=[dict(type='PortableCheckpointHook'),
                             dict(type='RandomStateHook')])
    runner = RUNNERS.build(cfg)  # what mmseg's tools/train.py does with the line
    assert type(runner) is CompatRunner
    assert len(_portable_hooks(runner)) == 1
    assert _each_compat_hook_once(runner)
    assert safe_loading_enabled()


def test_no_distributed_setup_without_launcher(tmp_path, checkpoint_schemes):
    cfg = _cfg(tmp_path)
    runner = build_runner(cfg)
    assert not runner.distributed
    assert 'model_wrapper_cfg' not in cfg
