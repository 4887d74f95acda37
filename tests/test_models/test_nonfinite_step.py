"""A non-finite loss whose gradients are NaN too (a NaN loss weight: 0 * NaN in backward):
'skip' leaves the weights as they were, in the model's own step and under a distributed
wrapper (whose step is mmengine's, guarded by FiniteLossHook); 'raise' names the term."""
from types import SimpleNamespace

import pytest
import torch
import torch.distributed as dist
from mmengine.optim import OptimWrapper
from mmseg.registry import MODELS

import mmdepthpretrain.models  # noqa: F401
from mmdepthpretrain.compat import CPUDistributedDataParallel, FiniteLossHook
from mmdepthpretrain.models.pretrainers import nonfinite

from .utils import make_batch, tiny_model_cfg

FRAMES = (0, 's')


def build(nonfinite_mode):
    torch.manual_seed(0)
    model = MODELS.build(tiny_model_cfg(supervision='S', frame_ids=FRAMES,
                                        nonfinite=nonfinite_mode)).train()
    model.photometric_loss.loss_weight = float('nan')  # NaN loss and NaN gradients
    return model


def weights(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()
            if v.dtype.is_floating_point and 'running' not in k}


@pytest.fixture
def warnings_seen(monkeypatch):
    seen = []
    monkeypatch.setattr(nonfinite, 'print_log',
                        lambda msg, logger=None, level=None: seen.append(msg))
    return seen


def test_skip_zeroes_nan_gradients_in_the_models_step(warnings_seen):
    model = build('skip')
    before = weights(model)
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    log = model.train_step(make_batch(frame_ids=FRAMES), optim)
    assert log['loss'].item() == 0.0 and torch.isnan(log['loss_photometric'])
    assert all(torch.equal(v, before[k]) for k, v in weights(model).items())
    assert len(warnings_seen) == 1 and "['loss_photometric']" in warnings_seen[0]
    # a finite step afterwards trains and does not warn
    model.photometric_loss.loss_weight = 1.0
    model.train_step(make_batch(frame_ids=FRAMES, seed=1), optim)
    assert any(not torch.equal(v, before[k]) for k, v in weights(model).items())
    assert len(warnings_seen) == 1


def test_raise_names_the_term_after_the_step():
    model = build('raise')
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(FloatingPointError, match=r"non-finite loss term\(s\) .*loss_photometric"):
        model.train_step(make_batch(frame_ids=FRAMES), optim)


def test_skip_under_a_distributed_wrapper(tmp_path, warnings_seen):
    dist.init_process_group('gloo', init_method=f'file://{tmp_path / "pg"}', rank=0,
                            world_size=1)
    try:
        model = build('skip')
        wrapper = CPUDistributedDataParallel(module=model)
        optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
        runner = SimpleNamespace(model=wrapper, optim_wrapper=optim, iter=0)
        hook = FiniteLossHook()
        hook.before_train(runner)
        before = weights(model)
        log = wrapper.train_step(make_batch(frame_ids=FRAMES), optim)  # mmengine's step
        hook.after_train_iter(runner, 0, outputs=log)  # no raise: the step was skipped
        assert log['loss'].item() == 0.0
        assert all(torch.equal(v, before[k]) for k, v in weights(model).items())
        assert len(warnings_seen) == 1 and 'SelfSupDepthEstimator' in warnings_seen[0]
        assert 'loss_photometric' in warnings_seen[0]
    finally:
        dist.destroy_process_group()
