"""FinetuneDiagnosticsHook: gradient norms, weight change, dead channels and feature rank,
checked against values computed by hand on a tiny network."""
import json
import logging
import types

import pytest
import torch
from torch import nn

from mmdepthpretrain.engine.hooks.finetune_diagnostics_hook import (
    FinetuneDiagnosticsHook,
    effective_rank,
    parameter_groups,
)


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 1)
        self.conv_seg = nn.Conv2d(4, 3, 1)

    def forward(self, x):
        return self.conv_seg(torch.tanh(self.conv(x)))


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU())
        self.frozen = nn.Conv2d(4, 4, 1)
        self.decode_head = Head()

    def forward(self, x):
        return self.decode_head(self.frozen(self.backbone(x)))


def _runner(model, tmp_path, max_iters):
    return types.SimpleNamespace(model=model, iter=0, max_iters=max_iters,
                                 work_dir=str(tmp_path), logger=logging.getLogger('diag'))


def test_effective_rank_hand_values():
    h = torch.tensor([[1., 1, 1, 1], [1, -1, 1, -1], [1, 1, -1, -1], [1, -1, -1, 1]])
    spread = h[1:].reshape(1, 3, 2, 2)  # three orthogonal zero-mean directions, equal energy
    assert effective_rank(spread) == pytest.approx(3.0, abs=1e-5)
    one_dir = torch.randn(2, 1, 5, 5) * torch.tensor([1., -2., 0.5]).view(1, 3, 1, 1)
    assert effective_rank(one_dir) == pytest.approx(1.0, abs=1e-4)
    assert effective_rank(torch.ones(1, 3, 2, 2)) == 0.0


def test_groups_follow_module_names():
    groups = parameter_groups(Tiny())
    assert set(groups) == {'backbone.0', 'frozen', 'decode_head.conv', 'decode_head.conv_seg'}
    assert groups['decode_head.conv_seg'] == ['decode_head.conv_seg.weight',
                                              'decode_head.conv_seg.bias']


def test_records_equal_hand_computed_values(tmp_path):
    torch.manual_seed(0)
    model = Tiny()
    for p in model.frozen.parameters():
        p.requires_grad_(False)
    with torch.no_grad():  # channel 0 of the backbone's ReLU is dead for any input in [0, 1]
        model.backbone[0].weight[0].fill_(-1.0)
        model.backbone[0].bias[0] = -1.0
        model.backbone[0].weight[1:].abs_()  # and the others alive
        model.backbone[0].bias[1:] = 0.1
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    hook = FinetuneDiagnosticsHook(interval=2, activation_modules=('ReLU', ))
    runner = _runner(model, tmp_path, max_iters=3)
    w0 = {n: p.detach().clone() for n, p in model.named_parameters()}
    hook.before_train(runner)
    x = torch.rand(2, 3, 6, 6)
    expected = []
    for it in range(3):
        runner.iter = it
        hook.before_train_iter(runner, it)
        loss = model(x).pow(2).mean()
        loss.backward()
        grads = {n: p.grad.detach().clone() for n, p in model.named_parameters()
                 if p.grad is not None}
        expected.append(grads)
        opt.step()
        opt.zero_grad()
        hook.after_train_iter(runner, it, outputs={'loss': loss.detach()})
    hook.after_train(runner)
    data = json.loads((tmp_path / 'finetune_diagnostics.json').read_text())
    assert [r['iter'] for r in data['records']] == [1, 2, 3]  # first, every 2nd, last
    assert len(data['losses']) == 3
    for rec, grads in zip(data['records'], [expected[0], expected[1], expected[2]]):
        seg = rec['groups']['decode_head.conv_seg']
        want = torch.sqrt(sum(grads[n].pow(2).sum() for n in
                              ('decode_head.conv_seg.weight', 'decode_head.conv_seg.bias')))
        assert seg['grad_norm'] == pytest.approx(float(want), rel=1e-5)
        assert seg['trained'] is True
        assert rec['groups']['frozen'] == {'grad_norm': 0.0, 'rel_change': 0.0, 'trained': False}
        assert rec['dead_fraction']['backbone.1'] == pytest.approx(0.25)
        assert rec['classifier_input_channels'] == 4
    params = dict(model.named_parameters())
    w = torch.cat([params[n].detach().flatten() for n in ('backbone.0.weight', 'backbone.0.bias')])
    v = torch.cat([w0[n].flatten() for n in ('backbone.0.weight', 'backbone.0.bias')])
    got = data['records'][-1]['groups']['backbone.0']['rel_change']
    assert got == pytest.approx(float((w - v).norm() / v.norm()), rel=1e-5) and got > 0
    # the hooks are removed: a later backward records nothing
    hook._grad_sq.clear()
    hook._record_acts = True
    model(x).sum().backward()
    assert dict(hook._grad_sq) == {}
