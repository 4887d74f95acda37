import pytest
import torch
import torch.nn as nn
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

from mmdepthpretrain.engine import AutocastOptimWrapper


def test_forward_runs_in_bfloat16_and_steps_on_cpu():
    init_default_scope('mmseg')
    model = nn.Linear(4, 2)
    wrapper = build_optim_wrapper(
        model, dict(type='AutocastOptimWrapper', optimizer=dict(type='SGD', lr=0.1))
    )
    assert isinstance(wrapper, AutocastOptimWrapper) and wrapper.cast_dtype == torch.bfloat16
    before = model.weight.detach().clone()
    with wrapper.optim_context(model):
        assert torch.is_autocast_enabled('cpu')
        out = model(torch.ones(3, 4))
    assert out.dtype == torch.bfloat16
    assert not torch.is_autocast_enabled('cpu')
    wrapper.update_params(out.float().pow(2).mean())
    assert model.weight.dtype == torch.float32  # parameters stay float32
    assert not torch.equal(model.weight, before)


def test_unknown_dtype_is_refused():
    with pytest.raises(ValueError, match='unknown dtype'):
        AutocastOptimWrapper(
            optimizer=torch.optim.SGD(nn.Linear(1, 1).parameters(), lr=1), dtype='bf'
        )
