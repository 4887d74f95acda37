"""mmengine's ``compile`` option through our runner: compiled where torch.compile works,
eager with one warning where it does not (a failing backend, inductor without a compiler)."""
import copy

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.model import BaseModel
from torch.utils.data import Dataset

import mmdepthpretrain  # noqa: F401
from mmdepthpretrain.compat import CompatRunner, compile_step, prepare_cfg, resolve_compile
from mmdepthpretrain.compat import compiler as compiler_module


class ToyModel(BaseModel):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.linear(torch.stack(inputs))
        if mode == 'loss':
            return dict(loss=((out - torch.stack(data_samples)) ** 2).mean())
        return out


class ToyDataset(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(i)
        return dict(inputs=torch.randn(2, generator=g), data_samples=torch.randn(1, generator=g))


def broken_backend(gm, example_inputs):
    raise RuntimeError('no working compiler in this torch')


BROKEN = 'mmdp_test_broken'  # a config holds the backend by name
if BROKEN not in torch._dynamo.list_backends(exclude_tags=()):
    torch._dynamo.register_backend(broken_backend, name=BROKEN)


@pytest.fixture
def warnings_seen(monkeypatch):
    """Fresh probe cache; the warnings of the compile module, collected."""
    seen = []
    monkeypatch.setattr(compiler_module, '_PROBES', {})
    monkeypatch.setattr(compiler_module, '_WARNED', set())
    monkeypatch.setattr(compiler_module, 'print_log',
                        lambda msg, logger=None, level=None: seen.append(msg))
    return seen


def _train(tmp_path, compile_cfg, iters=3):
    model = ToyModel()
    runner = CompatRunner(
        model=model, work_dir=str(tmp_path),
        train_dataloader=dict(dataset=ToyDataset(), batch_size=2, num_workers=0,
                              sampler=dict(type='DefaultSampler', shuffle=False)),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        train_cfg=dict(by_epoch=False, max_iters=iters, val_interval=100),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=100)),
        cfg=dict(compile=compile_cfg))
    runner.train()
    return model


def test_failing_backend_trains_eagerly_with_one_warning(tmp_path, warnings_seen,
                                                        checkpoint_schemes):
    eager = _train(tmp_path / 'eager', None)
    model = _train(tmp_path / 'broken', dict(backend=BROKEN))
    assert 'train_step' not in vars(model)  # not replaced by a compiled step
    assert torch.equal(model.linear.weight, eager.linear.weight)
    assert not torch.equal(model.linear.weight, ToyModel().linear.weight)  # it trained
    assert len(warnings_seen) == 1
    assert 'torch.compile does not work' in warnings_seen[0]
    assert 'no working compiler' in warnings_seen[0] and 'eagerly' in warnings_seen[0]


def test_default_compile_without_a_working_inductor(monkeypatch, warnings_seen):
    import torch._inductor.compile_fx as compile_fx

    def no_cxx(*args, **kwargs):
        raise RuntimeError('inductor: no C++ compiler found')

    monkeypatch.setattr(compile_fx, 'compile_fx', no_cxx)
    torch._dynamo.reset()
    assert resolve_compile(True, device='cpu') is None
    assert resolve_compile(True, device='cpu') is None  # asked again: no second warning
    assert len(warnings_seen) == 1 and 'no C++ compiler' in warnings_seen[0]
    assert resolve_compile(None) is None and resolve_compile(False) is None
    assert len(warnings_seen) == 1
    cfg = Config(dict(compile=True, work_dir='unused'))
    prepare_cfg(cfg, 'none')  # what build_runner does for any runner type
    assert cfg.compile is False and len(warnings_seen) == 1


def test_compiled_step_falls_back_for_good_when_compiling_fails(warnings_seen):
    calls, retries = [], []

    def step(x, scale=1.0):
        calls.append(x)
        return (x * scale).sin().sum()

    torch._dynamo.reset()
    compiled = compile_step(step, dict(backend=broken_backend), 'toy_step',
                            before_retry=lambda *a, **k: retries.append(a))
    x = torch.randn(4)
    out = compiled(x, scale=2.0)
    assert torch.equal(out, step(x, scale=2.0))
    assert not compiled.compiled and len(retries) == 1
    compiled(x)
    compiled(x)
    assert len(retries) == 1 and len(warnings_seen) == 1
    assert 'torch.compile of toy_step failed' in warnings_seen[0]
    assert 'no working compiler' in warnings_seen[0]


def test_working_backend_compiles_train_step(tmp_path, warnings_seen, checkpoint_schemes):
    torch._dynamo.reset()
    eager = _train(tmp_path / 'eager', False)
    model = _train(tmp_path / 'compiled', dict(backend='aot_eager'))
    step = vars(model)['train_step']
    assert step.compiled and step.eager.__func__ is ToyModel.train_step
    torch.testing.assert_close(model.linear.weight, eager.linear.weight, rtol=1e-6, atol=1e-7)
    assert warnings_seen == []
    assert resolve_compile(dict(backend='aot_eager'), device='cpu') == dict(backend='aot_eager')
    with pytest.raises(TypeError, match='bool or a dict'):
        resolve_compile('inductor')


def test_train_tool_sets_the_compile_option(tmp_path):
    import os.path as osp
    import sys
    sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'tools'))
    try:
        import train as train_tool
    finally:
        sys.path.pop(0)
    config = osp.join(osp.dirname(osp.abspath(__file__)), 'data', 'tiny_seg.py')
    base = [config, '--work-dir', str(tmp_path)]
    assert 'compile' not in train_tool.build_cfg(train_tool.parse_args(base))
    assert train_tool.build_cfg(train_tool.parse_args(base + ['--compile'])).compile is True
    cfg = train_tool.build_cfg(train_tool.parse_args(
        base + ['--compile-mode', 'reduce-overhead']))
    assert cfg.compile == dict(mode='reduce-overhead')
    assert copy.deepcopy(cfg).compile['mode'] == 'reduce-overhead'
