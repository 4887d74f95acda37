"""The depth model's training step under torch.compile: one graph, the same numbers.

``loss()`` (depth and pose networks, depth at every scale, warping, SSIM + L1, minimum
reprojection with auto-masking, smoothness, the depth loss) must be captured as a single
graph, with no graph break (a host read such as ``.item()``, a branch on a tensor value, a
data-dependent shape), for every supervision; compiled through AOTAutograd it must give the
eager losses and gradients. The comparison runs in float64: in float32 the stereo
gradients (tiny, with much cancellation) differ by about 1e-4 relative after any change in
summation order, which would hide nothing but also prove little.
"""
import copy

import pytest
import torch
import torch._dynamo
from mmengine.optim import OptimWrapper
from mmseg.registry import MODELS

import mmdepthpretrain.models  # noqa: F401
from mmdepthpretrain.compat import compile_step

from .utils import make_batch, tiny_model_cfg

pytestmark = pytest.mark.heavy

CASES = [('M', (0, -1, 1)), ('S', (0, 's')), ('MS', (0, -1, 1, 's')), ('L', (0,))]
IDS = [c[0] for c in CASES]


def build(supervision, frame_ids, dtype=torch.float32, **kwargs):
    torch.manual_seed(0)
    cfg = tiny_model_cfg(supervision=supervision, frame_ids=frame_ids, **kwargs)
    return MODELS.build(cfg).train().to(dtype)


def loss_inputs(model, frame_ids, dtype=torch.float32):
    """The preprocessed batch (2 samples, 64x32), as ``loss()`` receives it."""
    data = model.data_preprocessor(make_batch(batch_size=2, frame_ids=frame_ids), True)
    data['inputs'] = {k: v.to(dtype) for k, v in data['inputs'].items()}
    for sample in data['data_samples']:
        if 'gt_depth_map' in sample:
            sample.gt_depth_map.data = sample.gt_depth_map.data.to(dtype)
    return data


def losses_and_grads(model, loss_fn, data):
    model.zero_grad(set_to_none=True)
    torch.manual_seed(1)  # the auto-masking noise
    losses = loss_fn(**data)
    sum(losses.values()).backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    return {k: v.detach() for k, v in losses.items()}, grads


@pytest.mark.parametrize('supervision,frame_ids', CASES, ids=IDS)
def test_loss_is_one_graph_without_breaks(supervision, frame_ids):
    model = build(supervision, frame_ids)
    data = loss_inputs(model, frame_ids)
    torch._dynamo.reset()
    explanation = torch._dynamo.explain(model.loss)(**data)
    assert explanation.graph_break_count == 0, [r.reason for r in explanation.break_reasons]
    assert explanation.graph_count == 1
    # the graph holds the whole computation: networks, warping, SSIM and the minimum
    ops = {str(node.target) for g in explanation.graphs for node in g.graph.nodes}
    expected = {'grid_sample', 'avg_pool2d', 'conv2d'} if 'L' not in supervision else {
        'conv2d', 'interpolate'}
    assert all(any(name in op for op in ops) for name in expected), sorted(ops)


@pytest.mark.parametrize('supervision,frame_ids', CASES, ids=IDS)
def test_compiled_loss_gives_the_eager_losses_and_gradients(supervision, frame_ids):
    eager = build(supervision, frame_ids, torch.float64)
    compiled = copy.deepcopy(eager)
    data = loss_inputs(eager, frame_ids, torch.float64)
    losses, grads = losses_and_grads(eager, eager.loss, data)
    torch._dynamo.reset()
    loss_fn = torch.compile(compiled.loss, backend='aot_eager', fullgraph=True)
    c_losses, c_grads = losses_and_grads(compiled, loss_fn, data)
    assert set(c_losses) == set(losses) and set(c_grads) == set(grads)
    for k, v in losses.items():
        torch.testing.assert_close(c_losses[k], v, rtol=1e-5, atol=0)
    for k, g in grads.items():
        scale = g.abs().max().item()
        assert scale > 0, k
        torch.testing.assert_close(c_grads[k], g, rtol=1e-5, atol=1e-5 * scale, msg=k)
    for (k, a), b in zip(eager.named_buffers(), compiled.buffers()):  # BN running stats
        torch.testing.assert_close(b, a, rtol=1e-5, atol=1e-7, msg=k)


def test_compiled_train_step_trains_like_the_eager_one():
    """mmengine's ``compile=True`` compiles ``train_step``: preprocessing (host part
    skipped), loss graph, backward, optimizer; three steps with new batches reuse the
    first compilation and end at the eager weights."""
    from torch._dynamo.utils import counters

    jitter = dict(type='MultiFrameDataPreProcessor', color_jitter=dict())
    eager = build('M', (0, -1, 1), data_preprocessor=jitter)
    compiled = copy.deepcopy(eager)
    optims = [OptimWrapper(torch.optim.SGD(m.parameters(), lr=0.1)) for m in (eager, compiled)]
    torch._dynamo.reset()
    counters.clear()
    step = compile_step(compiled.train_step, dict(backend='aot_eager'))
    start = [p.detach().clone() for p in eager.parameters()]
    graphs = []
    for i in range(3):
        torch.manual_seed(i)
        log = eager.train_step(make_batch(frame_ids=(0, -1, 1), seed=i), optims[0])
        torch.manual_seed(i)
        c_log = step(make_batch(frame_ids=(0, -1, 1), seed=i), optims[1])
        graphs.append(counters['stats']['unique_graphs'])
        for k, v in log.items():
            torch.testing.assert_close(c_log[k], v, rtol=1e-5, atol=0)
    assert step.compiled and graphs[0] > 0 and graphs[0] == graphs[-1]  # no recompilation
    for p0, pe, pc in zip(start, eager.parameters(), compiled.parameters()):
        update = (pe - p0).abs().max().item()
        assert update > 0
        # a few float32 ulps of the weights, 1e-4 of the update (float32 sums in another order)
        torch.testing.assert_close(pc, pe, rtol=1e-6, atol=1e-4 * update)
